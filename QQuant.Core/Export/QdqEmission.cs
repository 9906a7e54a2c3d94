using System.Globalization;
using QQuant.Export.Onnx;

namespace QQuant.Export;

/// <summary>Writes a <see cref="QuantGrid"/> as ONNX <c>QuantizeLinear</c> / <c>Clip</c> / <c>DequantizeLinear</c> nodes.</summary>
internal static class QdqEmission
{
    /// <summary><c>Q → (Clip) → DQ</c> of activation <paramref name="x"/>; returns the dequantized value's name.</summary>
    public static string Activation(OnnxExportContext context, QuantGrid grid, string x, out string description)
    {
        grid = Unsigned(grid);
        OnnxDataType container = Container(grid, context.Options.Format);
        string scale = context.Floats("input_scale", grid.Scales, []);
        string zeroPoint = Integers(context, "input_zero_point", container, [grid.ZeroPoint], []);
        string q = context.Graph.Add("QuantizeLinear", $"{context.Path}.input_q", [x, scale, zeroPoint]);
        bool clip = NeedsClip(grid, container);
        if (clip)
        {
            string min = Integers(context, "input_min", container, [grid.Range.Min], []);
            string max = Integers(context, "input_max", container, [grid.Range.Max], []);
            q = context.Graph.Add("Clip", $"{context.Path}.input_clip", [q, min, max]);
        }

        description = $"{(clip ? "QCDQ" : "QDQ")} {Name(container)} [{grid.Range.Min}, {grid.Range.Max}], scale {Format(grid.Scales[0])}";
        return context.Graph.Add("DequantizeLinear", $"{context.Path}.input_dq", [q, scale, zeroPoint]);
    }

    /// <summary>
    /// <c>Sub → Q → (Clip) → DQ → Add</c> of activation <paramref name="x"/> on a grid offset by a fractional number of
    /// steps: the float32 operations training computes, so exact, but ONNX Runtime runs the layer after it in float.
    /// </summary>
    public static string OffsetActivation(OnnxExportContext context, float scale, GridOffset offset, string x, out string description)
    {
        string value = context.Floats("input_offset", [offset.Value], []);
        string shifted = context.Graph.Add("Sub", $"{context.Path}.input_shift", [x, value]);
        string dequantized = Activation(context, new QuantGrid([scale], 0, offset.Range), shifted, out string grid);
        description = $"{grid} on x - {Format(offset.Value)} (exact offset, float kernels)";
        return context.Graph.Add("Add", $"{context.Path}.input_unshift", [dequantized, value]);
    }

    /// <summary>
    /// <c>DQ(codes, scales[C], axis 0)</c> of a weight of shape <paramref name="dims"/>: always per output channel (a
    /// per-tensor scale is repeated), so a following BatchNorm can fold into the scales. Returns the names of the
    /// dequantized weight, of the scale initializer and of the codes initializer.
    /// </summary>
    public static (string Weight, string Scales, string Codes) Weight(OnnxExportContext context, QuantGrid grid, long[] dims, out string description)
    {
        int[] codes = grid.Codes ?? throw new ArgumentException("A weight grid carries its codes.", nameof(grid));
        OnnxDataType container = Container(grid, context.Options.Format);
        long channels = dims[0];
        int spread = container == OnnxDataType.Int8 ? Spread(grid.Range) : 1;
        float[] scales = [.. (grid.PerChannel ? grid.Scales : Enumerable.Repeat(grid.Scales[0], (int)channels)).Select(s => s / spread)];
        string weight = Integers(context, "weight_codes", container, spread == 1 ? codes : [.. codes.Select(c => c * spread)], dims);
        string scale = context.Floats("weight_scale", scales, channels);
        string zeroPoint = Integers(context, "weight_zero_point", container, new int[channels], channels);
        string dequantized = context.Graph.AddNode(
            "DequantizeLinear", $"{context.Path}.weight_dq", [weight, scale, zeroPoint], [OnnxAttribute.Int("axis", 0)], "").Outputs[0];
        description = $"{Name(container)} [{grid.Range.Min}, {grid.Range.Max}], "
                      + (grid.PerChannel ? $"{channels} scales" : $"scale {Format(grid.Scales[0])}");
        return (dequantized, scale, weight);
    }

    // A narrow weight grid spreads over the int8 container: codes times 2^k on the scale divided by 2^k are the same
    // values (a power of two divides exactly), and the integer accumulator gets 2^k times finer, so ONNX Runtime's
    // int32 rounding of the float bias moves the convolution's output 2^k times less.
    private static int Spread(IntegerRange range)
    {
        int spread = 1;
        while (range.Min * spread * 2 >= sbyte.MinValue && range.Max * spread * 2 <= sbyte.MaxValue)
        {
            spread *= 2;
        }

        return spread;
    }

    // ONNX Runtime fuses Q → Clip → DQ into integer kernels only with uint8 activations on x64, so a signed grid moves
    // up by −Qn, zero point included: the same values.
    private static QuantGrid Unsigned(QuantGrid grid)
    {
        int shift = -grid.Range.Min;
        return shift > 0 && grid.Range.Max + shift <= byte.MaxValue && grid.ZeroPoint + shift is >= 0 and <= byte.MaxValue
            ? grid with { ZeroPoint = grid.ZeroPoint + shift, Range = new IntegerRange(0, grid.Range.Max + shift) }
            : grid;
    }

    private static OnnxDataType Container(QuantGrid grid, OnnxQuantFormat format)
    {
        IntegerRange four = IntegerRange.Of(4, signed: !grid.Unsigned);
        bool fitsFour = grid.Range.Min >= four.Min && grid.Range.Max <= four.Max && grid.ZeroPoint >= four.Min && grid.ZeroPoint <= four.Max;
        if (format == OnnxQuantFormat.Qdq && fitsFour)
        {
            return grid.Unsigned ? OnnxDataType.UInt4 : OnnxDataType.Int4;
        }

        if (!grid.FitsEightBits)
        {
            throw new OnnxExportException("", $"The integer range [{grid.Range.Min}, {grid.Range.Max}] does not fit an 8-bit container.");
        }

        return grid.Unsigned ? OnnxDataType.UInt8 : OnnxDataType.Int8;
    }

    private static bool NeedsClip(QuantGrid grid, OnnxDataType container)
    {
        IntegerRange full = container switch
        {
            OnnxDataType.Int4 => IntegerRange.Of(4, signed: true),
            OnnxDataType.UInt4 => IntegerRange.Of(4, signed: false),
            OnnxDataType.Int8 => IntegerRange.Of(8, signed: true),
            _ => IntegerRange.Of(8, signed: false),
        };
        return grid.Range != full;
    }

    private static string Integers(OnnxExportContext context, string suffix, OnnxDataType type, int[] values, params long[] dims) =>
        context.Graph.Initializer($"{(context.Path.Length == 0 ? "model" : context.Path)}.{suffix}", name => GraphBuilder.Integers(name, type, dims, values));

    private static string Name(OnnxDataType type) => type.ToString().ToLowerInvariant();

    private static string Format(float value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
