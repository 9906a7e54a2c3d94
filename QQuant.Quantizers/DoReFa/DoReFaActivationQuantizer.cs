using QQuant;
using QQuant.Export;
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
public sealed class DoReFaActivationQuantizer : CalibratedQuantizer, IExportableQuantizer
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
    protected override bool KernelAccepts(Tensor input) => CpuFloats.Accepts(input);

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input) =>
        FusesFor(input) ? new KernelPass<DoReFaActivationRule>([new DoReFaActivationRule((1 << Bits) - 1, IsSigned)]) : null;

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
    /// <remarks>
    /// Unsigned: the step <c>1/L</c> over <c>[0, L]</c>; ONNX computes <c>round(x / (1/L))</c> and <c>q · (1/L)</c> where
    /// training computes <c>round(x · L) / L</c>, which agree but for the last bit (and so, rarely, at a half step).
    /// Signed: the levels <c>(2k − L)/L</c> have the zero point <c>L/2</c>, which is rounded.
    /// </remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        reason = null;
        int levels = (1 << Bits) - 1;
        const string Division = "ONNX divides by the step 1/L where training multiplies by L: equal up to the last bit";
        if (!IsSigned)
        {
            using Tensor step = tensor(new[] { 1f / levels });
            return GridExport.Uniform(step, new IntegerRange(0, levels), weight, Division);
        }

        return GridExport.Shifted(2f / levels, -levels / 2.0, -1f, new IntegerRange(0, levels), Division)
               ?? Refuse(out reason, $"the signed {Bits}-bit DoReFa grid does not fit an 8-bit container");
    }

    private static QuantGrid? Refuse(out string? reason, string why)
    {
        reason = why;
        return null;
    }

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
    }
}
