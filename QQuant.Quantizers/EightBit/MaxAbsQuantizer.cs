using QQuant;
using QQuant.Export;
using QQuant.Quantizers.Kernels;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// The fixed quantizer of the 8-bit layers: the scale is the tensor's largest magnitude, recomputed on every call
/// (no learnable state). Signed: <c>q = round(x / s · L) / L · s</c> with <c>s = max|x|</c> and
/// <c>L = 2^(b−1) − 1</c> levels per side (127 at 8 bits), so nothing falls outside the grid. Unsigned: negative
/// inputs clamp to 0 and <c>L = 2^b − 1</c> levels cover <c>[0, max x]</c>. The gradient is straight-through: the
/// identity for the input (0 where an unsigned input was clamped) and none through the scale. An all-zero tensor
/// (or channel) stays zero.
/// </summary>
/// <remarks>
/// Differs from the Python reference's <c>EightBitQuant*</c>, which divides by the <em>signed</em> maximum and does
/// not clamp, so values below <c>−max(x)</c> land beyond −127 steps and a tensor with only negative values flips sign.
/// </remarks>
public sealed class MaxAbsQuantizer : Quantizer, IExportableQuantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bit width: 2..8 when signed, 1..8 when unsigned.</param>
    /// <param name="signed">True for a grid symmetric around zero, false for <c>[0, max]</c>.</param>
    /// <param name="perChannel">One scale per index of dimension 0 (a weight's output channel) instead of one per tensor.</param>
    public MaxAbsQuantizer(int bits, bool signed, bool perChannel) : base(nameof(MaxAbsQuantizer), bits)
    {
        if (bits > 8 || (signed && bits < 2))
        {
            throw new ArgumentOutOfRangeException(
                nameof(bits), bits, "A max-abs grid takes 2..8 bits when signed, 1..8 when unsigned (use IdentityQuantizer for float).");
        }

        Signed = signed;
        PerChannel = perChannel;
        Levels = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    }

    /// <summary>True for the symmetric grid.</summary>
    public bool Signed { get; }

    /// <summary>True for one scale per index of dimension 0.</summary>
    public bool PerChannel { get; }

    /// <summary>Grid steps between 0 and the scale: 2^(b−1) − 1 signed, 2^b − 1 unsigned.</summary>
    public int Levels { get; }

    /// <inheritdoc />
    protected override bool KernelAccepts(Tensor input) => CpuFloats.Accepts(input);

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input)
    {
        if (!FusesFor(input))
        {
            return null;
        }

        long rows = PerChannel && input.dim() > 1 ? input.shape[0] : 1;
        MaxAbsRule[] rules = [.. ElementwiseKernel.MaxAbs(input, rows, positivePart: !Signed).Select(m => new MaxAbsRule(m > 0 ? m : 1, Levels, Signed))];
        return new KernelPass<MaxAbsRule>(rules);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Weights only (an activation's maximum belongs to its batch). The codes are <c>round(w / m · L)</c> as the
    /// forward computes them, on the step <c>m / L</c> rounded to float32; ONNX dequantizes <c>code · (m / L)</c>
    /// where the forward computes <c>code / L · m</c>, which can differ in the last bit.
    /// </remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        if (weight is null)
        {
            reason = "a max-abs grid takes its scale from each batch, so an activation has no fixed scale";
            return null;
        }

        reason = null;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor x = Signed ? weight : weight.clamp_min(0);
        Tensor max = QuantizerMath.OneWhereZero(QuantizerMath.AmaxAbs(x, PerChannel));
        int[] codes = GridExport.Codes((x / max * Levels).round());
        return new QuantGrid(
            GridExport.Floats((max / Levels).flatten()),
            0,
            Signed ? new IntegerRange(-Levels, Levels) : new IntegerRange(0, Levels),
            codes,
            "the dequantized weight is code * (max / L) where training computes code / L * max: equal up to the last bit");
    }

    /// <summary>Fake-quantizes <paramref name="input"/>; see the class summary for the formula.</summary>
    public override Tensor forward(Tensor input)
    {
        if (CreatePass(input) is { } pass)
        {
            return pass.Apply(input);
        }

        using var scope = NewDisposeScope();
        Tensor x = Signed ? input : input.clamp_min(0);
        Tensor error;
        using (no_grad())
        {
            Tensor scale = QuantizerMath.OneWhereZero(QuantizerMath.AmaxAbs(x, PerChannel));
            error = (x / scale * Levels).round_() / Levels * scale - x;
        }

        // Straight-through: the value of the grid point, the gradient of x.
        return (x + error).MoveToOuterDisposeScope();
    }
}
