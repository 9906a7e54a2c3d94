using static TorchSharp.torch;

namespace QQuant.Export.Emitters;

/// <summary>The weight of a quantized layer: integer codes through <c>DequantizeLinear</c>, or float when it cannot be.</summary>
internal static class QuantizedWeightEmission
{
    /// <summary>The weight's value name, its scale initializer (null for a float weight), and how it was written.</summary>
    public static (string Weight, string? Scales, string? Codes, string Description) Emit(OnnxExportContext context, QuantizedLayer layer, List<string> notes)
    {
        if (layer.WeightQuantizer.Bits == 32)
        {
            return (context.Floats("weight", layer.weight), null, null, "float");
        }

        string path = context.Path + ".weight_quantizer";
        try
        {
            QuantGrid grid = OnnxExportContext.GridOf(layer.WeightQuantizer, layer.weight, path);
            if (grid.Approximation is { } approximation)
            {
                notes.Add($"weight: {approximation}");
            }

            (string weight, string scales, string codes) = QdqEmission.Weight(context, grid, layer.weight.shape, out string description);
            return (weight, scales, codes, description);
        }
        catch (OnnxExportException e) when (!context.Options.Strict)
        {
            notes.Add($"weight written as float values of its quantized weight: {e.Message}");
            using Tensor quantized = layer.QuantizedWeight();
            return (context.Floats("weight", quantized), null, null, "float holding the quantized values");
        }
    }

    /// <summary>The input's value after its quantizer, and how it was written.</summary>
    public static (OnnxValue Input, string Description) Input(OnnxExportContext context, QuantizedLayer layer, OnnxValue input, List<string> notes)
    {
        OnnxValue quantized = context.Quantize(layer.InputQuantizer, input, out string description, out string? approximation);
        if (approximation is not null)
        {
            notes.Add($"input: {approximation}");
        }

        return (quantized, description);
    }
}
