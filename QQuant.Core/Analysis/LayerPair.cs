using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>A quantized layer of one model and the float layer of the same name in the other.</summary>
/// <param name="Name">The dotted module path, the same in both models.</param>
/// <param name="Float">The float model's module.</param>
/// <param name="Quantized">The quantized model's layer (an <see cref="IQuantizedLayer"/>).</param>
internal sealed record LayerPair(string Name, nn.Module<Tensor, Tensor> Float, nn.Module<Tensor, Tensor> Quantized)
{
    /// <summary>The quantized side's contract.</summary>
    public IQuantizedLayer Layer => (IQuantizedLayer)Quantized;

    /// <summary>
    /// Every <see cref="IQuantizedLayer"/> of <paramref name="quantizedModel"/> paired by name with the module of
    /// <paramref name="floatModel"/>, in the quantized model's module order.
    /// </summary>
    /// <exception cref="ModelAnalysisException">The quantized model has no quantized layer, no quantized layer has a
    /// float twin, or a twin's weight has another shape.</exception>
    public static IReadOnlyList<LayerPair> Match(nn.Module floatModel, nn.Module quantizedModel)
    {
        Dictionary<string, nn.Module> floats = floatModel.named_modules().ToDictionary(m => m.name, m => m.module);
        var quantized = quantizedModel.named_modules().Where(m => m.module is IQuantizedLayer).ToList();
        if (quantized.Count == 0)
        {
            throw new ModelAnalysisException(
                $"The quantized model ({quantizedModel.GetName()}) has no quantized layer (IQuantizedLayer): quantize it with a policy first.");
        }

        var pairs = new List<LayerPair>();
        foreach ((string name, nn.Module module) in quantized)
        {
            if (floats.TryGetValue(name, out nn.Module? twin) && twin is nn.Module<Tensor, Tensor> floatLayer && twin is not IQuantizedLayer)
            {
                CheckWeights(name, twin, module);
                pairs.Add(new LayerPair(name, floatLayer, (nn.Module<Tensor, Tensor>)module));
            }
        }

        if (pairs.Count == 0)
        {
            string floatNames = string.Join(", ", floats.Keys.Where(k => k.Length > 0).Take(5));
            throw new ModelAnalysisException(
                $"No quantized layer of the quantized model has a float layer of the same name in the float model: quantized layers " +
                $"{string.Join(", ", quantized.Take(5).Select(q => q.name))}{(quantized.Count > 5 ? ", ..." : "")}; float modules {floatNames}{(floats.Count > 6 ? ", ..." : "")}.");
        }

        return pairs;
    }

    /// <summary>The module's own (not its children's) parameter <c>weight</c>.</summary>
    public static Tensor Weight(nn.Module module, string name) =>
        module.named_parameters(recurse: false).FirstOrDefault(p => p.name == "weight").parameter
        ?? throw new ModelAnalysisException($"Layer '{name}' ({module.GetName()}) has no parameter 'weight' to analyse.");

    private static void CheckWeights(string name, nn.Module floatLayer, nn.Module quantizedLayer)
    {
        long[] floatShape = Weight(floatLayer, name).shape;
        long[] quantizedShape = Weight(quantizedLayer, name).shape;
        if (!floatShape.SequenceEqual(quantizedShape))
        {
            throw new ModelAnalysisException(
                $"Layer '{name}': the float model's weight is [{string.Join(", ", floatShape)}] but the quantized model's is " +
                $"[{string.Join(", ", quantizedShape)}]; the two models are not the same architecture.");
        }
    }
}
