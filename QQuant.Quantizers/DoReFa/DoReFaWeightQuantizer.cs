using QQuant;
using QQuant.Export;
using QQuant.Quantizers.Kernels;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// DoReFa-Net's weight quantizer (Zhou et al., 2016), as in the paper: <c>w_q = 2·quantize_b(tanh(w) / (2·max|tanh w|)
/// + ½) − 1</c> with <c>quantize_b(r) = round((2^b − 1)·r) / (2^b − 1)</c>, so the weight lands on <c>2^b</c> levels
/// evenly spaced over <c>[−1, 1]</c> (odd multiples of <c>1/(2^b − 1)</c>; there is no zero level). At 1 bit,
/// <c>w_q = sign(w)·mean|w|</c>. No state beyond the shared buffers; always initialised.
/// </summary>
/// <remarks>
/// Gradients: rounding (and the 1-bit sign) is straight-through; tanh and the normalisation by <c>max|tanh w|</c>
/// are differentiated exactly (the maximum too, as in the paper's code), the 1-bit scale <c>mean|w|</c> is a constant.
/// Per-channel: the maximum (or mean) is taken per output channel. An all-zero weight (or channel) is finite: it
/// maps to the level just above zero. Unlike the Python reference, which uses a signed integer grid with zero point
/// 0 and gives 1-bit weights no gradient.
/// </remarks>
public sealed class DoReFaWeightQuantizer : CalibratedQuantizer, IExportableQuantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">1..8.</param>
    /// <param name="perChannel">Normalise per output channel (dimension 0) instead of per tensor.</param>
    public DoReFaWeightQuantizer(int bits, bool perChannel = false)
        : base(nameof(DoReFaWeightQuantizer), bits, ActivationSign.Signed, perChannel, initializedAtStart: true)
    {
        if (bits > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "DoReFa takes 1..8 bits.");
        }

        RegisterComponents();
    }

    /// <inheritdoc />
    protected override bool KernelAccepts(Tensor input) => Bits > 1 && CpuFloats.Accepts(input);

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input) =>
        FusesFor(input) ? new DoReFaWeightPass(PerChannel && input.dim() > 1 ? input.shape[0] : 1, (1 << Bits) - 1) : null;

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input)
    {
        using var scope = NewDisposeScope();
        if (Bits == 1)
        {
            Tensor scale = PerChannel && input.dim() > 1
                ? input.abs().mean(QuantizerMath.OtherDimensions(input), keepdim: true)
                : input.abs().mean();
            Tensor signs = where(input >= 0, 1.0, -1.0).to(input.dtype);
            return StraightThrough.Pass(input, signs * scale.detach()).MoveToOuterDisposeScope();
        }

        int levels = (1 << Bits) - 1;
        Tensor t = input.tanh();
        Tensor max = QuantizerMath.AmaxAbs(t, PerChannel);
        Tensor r = t / (2 * QuantizerMath.OneWhereZero(max)) + 0.5;
        return (2 * StraightThrough.Round(r * levels) / levels - 1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>
    /// 1 bit: codes ±1 on the scale <c>mean|w|</c> (per channel or per tensor), exact. More bits: the levels
    /// <c>(2k − L)/L</c> are the odd codes <c>2k − L</c> on the step <c>1/L</c> (ONNX multiplies by <c>1/L</c> where
    /// training divides by L: equal up to the last bit); they fit 8 bits up to 7 bits.
    /// </remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        reason = null;
        if (weight is null)
        {
            reason = "DoReFa's weight grid quantizes weights only";
            return null;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (Bits == 1)
        {
            Tensor scale = PerChannel && weight.dim() > 1
                ? weight.abs().mean(QuantizerMath.OtherDimensions(weight)).flatten()
                : weight.abs().mean().reshape(1);
            return new QuantGrid(GridExport.Floats(scale), 0, new IntegerRange(-1, 1), GridExport.Codes(where(weight >= 0, 1, -1)));
        }

        int levels = (1 << Bits) - 1;
        if (levels > sbyte.MaxValue)
        {
            reason = $"the {Bits}-bit DoReFa weight's odd codes span [-{levels}, {levels}], wider than 8 bits";
            return null;
        }

        Tensor t = weight.tanh();
        Tensor r = t / (2 * QuantizerMath.OneWhereZero(QuantizerMath.AmaxAbs(t, PerChannel))) + 0.5;
        int[] codes = GridExport.Codes(2 * (r * levels).round() - levels);
        return new QuantGrid([1f / levels], 0, new IntegerRange(-levels, levels), codes,
            "the dequantized weight is code * (1/L) where training computes 2k/L - 1: equal up to the last bit");
    }

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
    }
}
