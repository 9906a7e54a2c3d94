using QQuant;
using QQuant.Quantizers.Kernels;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// DoReFa-Net's activation quantizer (Zhou et al., 2016): <c>q = round((2^b − 1)·clamp(x, 0, 1)) / (2^b − 1)</c>, a
/// fixed grid on <c>[0, 1]</c>. A signed grid clamps to <c>[−1, 1]</c> and uses the weights' levels,
/// <c>2·round((2^b − 1)(x + 1)/2)/(2^b − 1) − 1</c>. No learnable state.
/// </summary>
/// <remarks>
/// Gradient: 1 inside the clamp range (ends included), 0 outside; rounding is straight-through. With a fixed sign the
/// quantizer is initialised at construction; with Auto the sign is decided once, on the first training batch or by
/// calibration (the Python reference instead switches to unsigned for good the first time a batch has no
/// negative value, and keeps a halved signed grid before that).
/// </remarks>
public sealed class DoReFaActivationQuantizer : CalibratedQuantizer, IFusedQuantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">1..8.</param>
    /// <param name="sign">The grid's sign, or Auto to decide it from the initialisation data.</param>
    public DoReFaActivationQuantizer(int bits, ActivationSign sign)
        : base(nameof(DoReFaActivationQuantizer), bits, sign, perChannel: false, initializedAtStart: sign != ActivationSign.Auto)
    {
        if (bits > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "DoReFa takes 1..8 bits.");
        }

        RegisterComponents();
    }

    /// <inheritdoc />
    public bool UseFusedKernel { get; set; } = true;

    /// <inheritdoc />
    public bool FusesFor(Tensor input) => UseFusedKernel && CpuFloats.Accepts(input);

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input) =>
        FusesFor(input) ? new KernelPass<UnitGridRule>([new UnitGridRule((1 << Bits) - 1, IsSigned)]) : null;

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input)
    {
        int levels = (1 << Bits) - 1;
        using var scope = NewDisposeScope();
        if (!IsSigned)
        {
            return (StraightThrough.Round(input.clamp(0, 1) * levels) / levels).MoveToOuterDisposeScope();
        }

        Tensor r = (input.clamp(-1, 1) + 1) / 2;
        return (2 * StraightThrough.Round(r * levels) / levels - 1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
    }
}
