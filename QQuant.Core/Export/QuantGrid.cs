namespace QQuant.Export;

/// <summary>
/// A quantizer's grid in integers, as ONNX's <c>QuantizeLinear</c>/<c>DequantizeLinear</c> compute it:
/// <c>q = clamp(round_half_even(x / scale) + zeroPoint, Min, Max)</c> and <c>x̂ = (q − zeroPoint) · scale</c>.
/// </summary>
/// <param name="Scales">The exact float32 step(s) the quantizer divides by: one per tensor, or one per index of dimension 0.</param>
/// <param name="ZeroPoint">The integer zero point (0 for the grids QQuant's quantizers use).</param>
/// <param name="Range">The integer levels <c>[Qn, Qp]</c> the grid clamps to.</param>
/// <param name="Codes">For a weight, its integer levels computed with the training formula (row-major); null for an activation.</param>
/// <param name="Approximation">Null when ONNX computes exactly what training computes; otherwise what differs.</param>
/// <param name="Offset">
/// For an activation grid whose offset is not a whole number of steps (so <see cref="ZeroPoint"/> is rounded): the exact
/// form, or null.
/// </param>
public sealed record QuantGrid(
    float[] Scales, int ZeroPoint, IntegerRange Range, int[]? Codes = null, string? Approximation = null, GridOffset? Offset = null)
{
    /// <summary>True when the scale differs per index of dimension 0 (ONNX's <c>axis = 0</c>).</summary>
    public bool PerChannel => Scales.Length > 1;

    /// <summary>True when the levels are all non-negative (an unsigned container).</summary>
    public bool Unsigned => Range.Min >= 0;

    /// <summary>The narrowest ONNX 8-bit container that holds <see cref="Range"/>, or null when 8 bits do not.</summary>
    public bool FitsEightBits => Unsigned ? Range.Max <= byte.MaxValue : Range.Min >= sbyte.MinValue && Range.Max <= sbyte.MaxValue;

    /// <summary>True when the range is narrower than the 8-bit container, so an integer <c>Clip</c> keeps it (QCDQ).</summary>
    public bool NeedsClip => Unsigned ? Range.Max < byte.MaxValue : Range.Min > sbyte.MinValue || Range.Max < sbyte.MaxValue;
}

/// <summary>
/// The exact form of a grid with a fractional offset: <c>x̂ = (clamp(round_half_even((x − Value) / scale), Min, Max)) · scale + Value</c>,
/// written as <c>Sub → Q → (Clip) → DQ → Add</c>.
/// </summary>
/// <param name="Value">The offset in the input's units (LSQ+'s β, DSQ's lower bound), as the float32 training subtracts.</param>
/// <param name="Range">The integer levels before the offset.</param>
/// <param name="Approximation">What this form still computes differently from training, or null.</param>
public sealed record GridOffset(float Value, IntegerRange Range, string? Approximation);
