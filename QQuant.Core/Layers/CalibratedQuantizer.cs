using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The base of quantizers whose state is set from data once: on the first forward in training mode, or explicitly
/// by <see cref="QuantCalibration"/>. It keeps two buffers every such quantizer shares, <c>initialized</c> and
/// <c>signed</c> (the grid's sign, decided once when <see cref="ActivationSign.Auto"/>: signed if the
/// initialisation data has a negative value), and refuses to evaluate before it is initialised.
/// </summary>
/// <remarks>
/// Derived classes implement <see cref="Initialize"/> (the algorithm's initialisation formula, in terms of
/// <see cref="TensorStatistics"/>) and <see cref="Quantize"/>. Their state is read back from the buffers after a
/// checkpoint is loaded, without reading the device on every forward.
/// </remarks>
public abstract class CalibratedQuantizer : Quantizer
{
    [ComponentName(Name = "initialized")]
    private Tensor _initialized;

    [ComponentName(Name = "signed")]
    private Tensor _signed;

    private bool _knownInitialized;
    private bool? _hostSigned;
    private TensorStatistics? _calibration;

    /// <summary>Creates the quantizer; derived constructors create their parameters, then call <c>RegisterComponents()</c>.</summary>
    /// <param name="name">The module name TorchSharp reports.</param>
    /// <param name="bits">The bit width, 1..8.</param>
    /// <param name="sign">The grid's sign, or <see cref="ActivationSign.Auto"/> to decide it from the initialisation data.</param>
    /// <param name="perChannel">Whether initialisation statistics are kept per index of dimension 0.</param>
    /// <param name="initializedAtStart">True for a quantizer whose state needs no data (its sign must not be Auto).</param>
    protected CalibratedQuantizer(string name, int bits, ActivationSign sign, bool perChannel, bool initializedAtStart = false)
        : base(name, bits)
    {
        if (initializedAtStart && sign == ActivationSign.Auto)
        {
            throw new ArgumentException("A quantizer initialised at start needs a fixed sign.", nameof(sign));
        }

        Sign = sign;
        PerChannel = perChannel;
        _initialized = tensor(initializedAtStart).DetachFromDisposeScope();
        _signed = tensor(sign == ActivationSign.Signed).DetachFromDisposeScope();
        ForgetBuffers();
        _knownInitialized = initializedAtStart;
    }

    /// <summary>The sign requested at construction.</summary>
    public ActivationSign Sign { get; }

    /// <summary>True when the quantizer has one scale (or clip) per index of dimension 0.</summary>
    public bool PerChannel { get; }

    /// <summary>True once the state has been initialised (from data, by calibration, or by a loaded checkpoint).</summary>
    /// <remarks>Only a true answer is remembered: until then the buffer is read again, so a loaded checkpoint counts.</remarks>
    public bool IsInitialized => _knownInitialized || (_knownInitialized = ReadFlag(_initialized));

    /// <summary>
    /// Whether the grid is signed: fixed at construction, or decided at initialisation for
    /// <see cref="ActivationSign.Auto"/> (then only meaningful once <see cref="IsInitialized"/>).
    /// </summary>
    public bool IsSigned => _hostSigned ??= ReadFlag(_signed);

    /// <summary>True while <see cref="QuantCalibration"/> is collecting statistics (the forward passes its input through).</summary>
    public bool IsCalibrating => _calibration is not null;

    /// <summary>
    /// Initialises the quantizer on its first training forward, collects statistics while calibrating, and otherwise
    /// fake-quantizes <paramref name="input"/>.
    /// </summary>
    /// <exception cref="QuantizerStateException">Evaluation before initialisation, or non-finite initialisation data.</exception>
    public sealed override Tensor forward(Tensor input)
    {
        if (_calibration is not null)
        {
            _calibration.Observe(input);
            return input.alias();
        }

        if (!InitializeIfFirst(input) && training)
        {
            Track(input);
        }

        return CreatePass(input) is { } pass ? pass.Apply(input) : Quantize(input);
    }

    /// <inheritdoc />
    /// <remarks>Initialises on the first training call, as <see cref="forward"/> does; null while calibrating.</remarks>
    /// <exception cref="QuantizerStateException">Evaluation before initialisation, or non-finite initialisation data.</exception>
    public override QuantizationPass? PassFor(Tensor input)
    {
        if (_calibration is not null || HasForwardHooks)
        {
            return null;
        }

        bool initializedNow = InitializeIfFirst(input);
        QuantizationPass? pass = CreatePass(input);

        // Tracked only when the pass is taken: without one the caller runs the forward, which tracks.
        return pass is not null && training && !initializedNow && Track(input) ? CreatePass(input) : pass;
    }

    // True when this call initialised the quantizer (from this very batch, which then needs no tracking).
    private bool InitializeIfFirst(Tensor input)
    {
        if (!IsInitialized)
        {
            if (!training)
            {
                throw new QuantizerStateException(
                    Location,
                    $"The quantizer '{Location}' ({GetType().Name}) is not initialised, so evaluating it would use "
                    + "meaningless state. Run QuantCalibration.Calibrate(model, batches) or a training step first, or "
                    + "load a checkpoint saved after training." + (NotInitializedHint is { } hint ? " " + hint : ""));
            }

            InitializeFrom(input);
            return true;
        }

        return false;
    }

    /// <summary>Initialises the state from <paramref name="data"/> now (the formula of the first training forward).</summary>
    /// <exception cref="QuantizerStateException">The data is empty or holds NaN or infinite values.</exception>
    public void InitializeFrom(Tensor data)
    {
        using var statistics = NewStatistics();
        statistics.Observe(data);
        Commit(statistics);
    }

    /// <summary>Sets the mode and reads the buffers again on the next forward (a checkpoint may have been loaded).</summary>
    public override void train(bool train = true)
    {
        ForgetBuffers();
        base.train(train);
    }

    /// <summary>Marks the buffers as possibly changed (a checkpoint is being loaded), so they are read again.</summary>
    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        ForgetBuffers();
        return base.state_dict(destination, prefix);
    }

    /// <summary>
    /// Fake-quantizes <paramref name="input"/> with the initialised state (the composed path, used when
    /// <see cref="Quantizer.CreatePass"/> gives no pass; both must compute the same values).
    /// </summary>
    protected abstract Tensor Quantize(Tensor input);

    /// <summary>
    /// How many observed values <see cref="Initialize"/> needs from <see cref="TensorStatistics.Sample"/> (0, the
    /// default: none, the statistics keep no sample). Read whenever statistics are created for this quantizer, on the
    /// first training batch and in calibration alike; must be 0 for a per-channel quantizer.
    /// </summary>
    protected virtual int SampleSize => 0;

    /// <summary>What else to say when evaluation finds the quantizer uninitialised (null: nothing).</summary>
    protected virtual string? NotInitializedHint => null;

    /// <summary>
    /// Updates state that follows the data during training (a running statistic) from one training batch, before it
    /// is quantized; returns whether anything changed. Nothing by default: most algorithms learn their state instead.
    /// Called once per training forward (after the first batch's initialisation), never in evaluation or calibration.
    /// </summary>
    protected virtual bool Track(Tensor input) => false;

    /// <summary>
    /// Sets the state from <paramref name="statistics"/> (already checked: non-empty and finite). Runs without
    /// gradient, after <see cref="IsSigned"/> is decided. Write values into existing tensors (<c>copy_</c>) so
    /// optimizers keep tracking them.
    /// </summary>
    protected abstract void Initialize(TensorStatistics statistics);

    /// <summary>Broadcasts a per-channel state tensor of shape <c>[C]</c> (or a per-tensor <c>[1]</c>) against <paramref name="x"/>.</summary>
    protected static Tensor AlongChannels(Tensor state, Tensor x)
    {
        if (state.numel() == 1 || x.dim() < 2)
        {
            return state.alias();
        }

        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        return state.view(shape);
    }

    internal void BeginCalibration()
    {
        _calibration?.Dispose();
        _calibration = NewStatistics();
    }

    /// <summary>Empty statistics of the kind this quantizer initialises from (per channel or not, with its sample size).</summary>
    internal TensorStatistics NewStatistics() => new(PerChannel, SampleSize);

    internal TensorStatistics? EndCalibration()
    {
        TensorStatistics? statistics = _calibration;
        _calibration = null;
        return statistics;
    }

    /// <summary>Why <paramref name="statistics"/> cannot initialise this quantizer, or null.</summary>
    internal string? Problem(TensorStatistics statistics) =>
        statistics.IsEmpty ? $"'{Location}' saw no data"
        : !statistics.AllFinite ? $"'{Location}' saw NaN or infinite values, so it cannot be initialised from them"
        : null;

    internal void Commit(TensorStatistics statistics)
    {
        if (Problem(statistics) is { } problem)
        {
            throw new QuantizerStateException(Location, $"Cannot initialise {GetType().Name}: {problem}.");
        }

        using var noGrad = no_grad();
        bool signed = Sign switch
        {
            ActivationSign.Signed => true,
            ActivationSign.Unsigned => false,
            _ => statistics.HasNegatives,
        };
        _signed.fill_(signed);
        _hostSigned = signed;
        Initialize(statistics);
        _initialized.fill_(true);
        _knownInitialized = true;
    }

    private void ForgetBuffers()
    {
        _knownInitialized = false;
        _hostSigned = Sign == ActivationSign.Auto ? null : Sign == ActivationSign.Signed;
    }

    private static bool ReadFlag(Tensor flag)
    {
        using Tensor any = flag.any();
        return any.item<bool>();
    }
}
