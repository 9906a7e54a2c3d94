using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The shared half of the quantized layers (<see cref="QuantizedLinear"/>, <see cref="QuantizedConvolution"/>): a copy
/// of the float module's <c>weight</c> and <c>bias</c> (same names, device, dtype and <c>requires_grad</c>), a weight
/// quantizer and an input quantizer, usually both built by a <see cref="QuantScheme"/>. Derived classes supply the
/// float operation.
/// </summary>
/// <remarks>
/// The components are registered by name here, so a derived class with state of its own can still call
/// <c>RegisterComponents()</c> at the end of its constructor.
/// </remarks>
public abstract class QuantizedLayer : nn.Module<Tensor, Tensor>, IQuantizedLayer
{
    private const string WeightName = "weight";
    private const string BiasName = "bias";

    [ComponentName(Name = WeightName)]
    private Parameter _weight;

    [ComponentName(Name = BiasName)]
    private Parameter? _bias;

    [ComponentName(Name = "weight_quantizer")]
    private readonly Quantizer _weightQuantizer;

    [ComponentName(Name = "input_quantizer")]
    private readonly Quantizer _inputQuantizer;

    private Tensor? _cachedWeight;
    private IntPtr _cachedFor;

    /// <summary>Copies the float tensors and builds the quantizers <paramref name="scheme"/> makes for <paramref name="settings"/>.</summary>
    /// <param name="name">The module name TorchSharp reports (the layer's name, for example <c>LSQConv</c>).</param>
    /// <param name="weight">The float module's weight; copied, never aliased.</param>
    /// <param name="bias">The float module's bias, or null; copied, never aliased.</param>
    /// <param name="settings">Bits and options.</param>
    /// <param name="scheme">Builds the weight quantizer (knowing the weight's dimension 0) and the input quantizer.</param>
    protected QuantizedLayer(string name, Parameter weight, Parameter? bias, QuantLayerSettings settings, QuantScheme scheme)
        : this(name, weight, bias, settings, () => scheme.CreateWeightQuantizer(settings, weight.shape[0]), () => scheme.CreateInputQuantizer(settings))
    {
        Scheme = scheme;
    }

    /// <summary>Copies the float tensors and builds the quantizers that <paramref name="settings"/> ask for.</summary>
    /// <param name="name">The module name TorchSharp reports (the layer's class name).</param>
    /// <param name="weight">The float module's weight; copied, never aliased.</param>
    /// <param name="bias">The float module's bias, or null; copied, never aliased.</param>
    /// <param name="settings">Bits and options.</param>
    /// <param name="weightQuantizer">Builds the weight quantizer; not called when the weight stays float.</param>
    /// <param name="inputQuantizer">Builds the input quantizer; not called when the input is not quantized.</param>
    protected QuantizedLayer(
        string name,
        Parameter weight,
        Parameter? bias,
        QuantLayerSettings settings,
        Func<Quantizer> weightQuantizer,
        Func<Quantizer> inputQuantizer) : base(name)
    {
        Settings = settings;
        _weight = CopyOf(weight);
        _bias = bias is null ? null : CopyOf(bias);
        _weightQuantizer = settings.QuantizesWeight ? weightQuantizer() : new IdentityQuantizer();
        _inputQuantizer = settings.QuantizesInput ? inputQuantizer() : new IdentityQuantizer();

        register_parameter(WeightName, _weight);
        if (_bias is not null)
        {
            register_parameter(BiasName, _bias);
        }

        register_module("weight_quantizer", _weightQuantizer);
        register_module("input_quantizer", _inputQuantizer);
        Locate(name);
    }

    /// <summary>
    /// The float weight (what a checkpoint stores under <c>weight</c>). Setting it disposes the previous one, as
    /// TorchSharp's own layers do (that is how <c>to()</c> swaps it).
    /// </summary>
    public Parameter weight
    {
        get => _weight;
        set
        {
            if (value.Handle != _weight.Handle)
            {
                _weight.Dispose();
                _weight = (Parameter)value.DetachFromDisposeScope();
                ConditionallyRegisterParameter(WeightName, _weight);
            }
        }
    }

    /// <summary>The float bias, or null when the float module had none; setting it disposes the previous one.</summary>
    public Parameter? bias
    {
        get => _bias;
        set
        {
            if (value?.Handle != _bias?.Handle)
            {
                _bias?.Dispose();
                _bias = (Parameter?)value?.DetachFromDisposeScope();
                ConditionallyRegisterParameter(BiasName, _bias);
            }
        }
    }

    /// <inheritdoc />
    public QuantLayerSettings Settings { get; }

    /// <summary>The scheme that built the quantizers, or null for a layer that builds its own.</summary>
    public QuantScheme? Scheme { get; }

    /// <inheritdoc />
    public IQuantizer WeightQuantizer => _weightQuantizer;

    /// <inheritdoc />
    public IQuantizer InputQuantizer => _inputQuantizer;

    /// <inheritdoc />
    public Tensor QuantizedWeight()
    {
        using var noGrad = torch.no_grad();
        using var quantized = _weightQuantizer.call(_weight);
        return quantized.clone();
    }

    /// <summary>
    /// Quantizes the input and the weight, then runs the float operation on them. In evaluation mode, when no
    /// gradient is wanted for the weight, the quantized weight is computed once and reused (see
    /// <see cref="InvalidateQuantizedWeight"/>).
    /// </summary>
    /// <remarks>
    /// While autograd records, a layer may take its quantizers' fused passes (when they have one) and compute the
    /// quantizations and its operation as one node: the input's when <see cref="RecomputesInput"/> says so, the
    /// weight's when <see cref="RecomputesWeight"/> does and the weight is not reused.
    /// </remarks>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        bool reuseWeight = CanReuseWeight();
        bool recording = torch.is_grad_enabled();
        QuantizationPass? inputPass = recording && RecomputesInput(input, _weight) ? _inputQuantizer.PassFor(input) : null;
        QuantizationPass? weightPass = recording && !reuseWeight && RecomputesWeight(input, _weight) ? _weightQuantizer.PassFor(_weight) : null;
        Tensor x = inputPass is null ? _inputQuantizer.call(input) : input;
        Tensor w = reuseWeight ? CachedWeight() : weightPass is null ? _weightQuantizer.call(_weight) : _weight;
        Tensor output = inputPass is null && weightPass is null ? Compute(x, w, _bias) : ComputeWithPasses(x, inputPass, w, weightPass, _bias);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Drops the quantized weight kept for evaluation. Switching modes, moving the layer and calibrating do it
    /// already; call it (or set the mode again) after changing the weight or quantizer state in place while in
    /// evaluation mode, which includes TorchSharp's <c>load</c> and <c>load_state_dict</c>: they copy into the
    /// existing tensors without telling the layers.
    /// </summary>
    public void InvalidateQuantizedWeight()
    {
        _cachedWeight?.Dispose();
        _cachedWeight = null;
    }

    /// <summary>Sets the mode and drops the quantized weight kept for evaluation.</summary>
    public override void train(bool train = true)
    {
        InvalidateQuantizedWeight();
        base.train(train);
    }

    /// <summary>Drops the quantized weight kept for evaluation (loading into a parent that lists this layer reads it first).</summary>
    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        InvalidateQuantizedWeight();
        return base.state_dict(destination, prefix);
    }

    /// <summary>Names the quantizers after the layer's path in the model, for error messages.</summary>
    internal void Locate(string path)
    {
        _weightQuantizer.Location = $"{path}.weight_quantizer";
        _inputQuantizer.Location = $"{path}.input_quantizer";
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            InvalidateQuantizedWeight();
        }

        base.Dispose(disposing);
    }

    /// <summary>The float operation on the (quantized) input and weight.</summary>
    protected abstract Tensor Compute(Tensor input, Tensor weight, Tensor? bias);

    /// <summary>Whether a recorded forward on <paramref name="input"/> runs the input quantizer's pass inside <see cref="ComputeWithPasses"/> (false by default).</summary>
    protected virtual bool RecomputesInput(Tensor input, Tensor weight) => false;

    /// <summary>Whether a recorded forward on <paramref name="input"/> runs the weight quantizer's pass inside <see cref="ComputeWithPasses"/> (false by default).</summary>
    protected virtual bool RecomputesWeight(Tensor input, Tensor weight) => false;

    /// <summary>
    /// The float operation on <paramref name="inputPass"/>'s quantization of <paramref name="input"/> and
    /// <paramref name="weightPass"/>'s of <paramref name="weight"/> (a null pass: the operand is already quantized),
    /// computed as one autograd node; called only with a pass that <see cref="RecomputesInput"/> or
    /// <see cref="RecomputesWeight"/> allowed.
    /// </summary>
    protected virtual Tensor ComputeWithPasses(Tensor input, QuantizationPass? inputPass, Tensor weight, QuantizationPass? weightPass, Tensor? bias) =>
        throw new NotSupportedException($"{GetType().Name} does not compute with quantization passes.");

    private bool CanReuseWeight() =>
        !training && !(torch.is_grad_enabled() && _weightQuantizer.parameters().Prepend(_weight).Any(p => p.requires_grad));

    // The weight's handle changes when to() moves or casts it; then the kept tensor belongs to the old one.
    private Tensor CachedWeight()
    {
        if (_cachedWeight is null || _cachedFor != _weight.Handle)
        {
            InvalidateQuantizedWeight();
            using var noGrad = torch.no_grad();
            _cachedWeight = _weightQuantizer.call(_weight).DetachFromDisposeScope();
            _cachedFor = _weight.Handle;
        }

        return _cachedWeight.alias();
    }

    private static Parameter CopyOf(Parameter source)
    {
        using var noGrad = torch.no_grad();
        var copy = new Parameter(source.detach().clone(), source.requires_grad);
        return (Parameter)copy.DetachFromDisposeScope();
    }
}
