namespace QQuant;

/// <summary>
/// The Python reference's spellings: its transformer type names, its quantized layer registry names (with the
/// defaults its constructors had), and its bit-width keys, so a config translated key by key binds.
/// </summary>
internal static class ReferenceNames
{
    public const string Transformer = "QuantTransformer";

    /// <summary>Transformer names the reference's configs and tutorials use (<c>mTransformerV2</c> was never registered there).</summary>
    public static readonly IReadOnlySet<string> TransformerAliases =
        new HashSet<string>(["QuanTransformer", "QuanTransformerV2", "mTransformerV2", "mTransformer"], StringComparer.OrdinalIgnoreCase);

    public static readonly IReadOnlyList<string> WeightBitsKeys = ["w", "weightBits", "num_bit_w", "nbits_w", "bit_w"];
    public static readonly IReadOnlyList<string> ActivationBitsKeys = ["a", "activationBits", "num_bit_a", "nbits_a", "bit_a"];

    /// <summary>Reference layer name → our layer name, and the defaults of the reference constructor where they differ from ours.</summary>
    public static readonly IReadOnlyDictionary<string, (string Name, QuantLayerDefaults Defaults)> Layers =
        new Dictionary<string, (string, QuantLayerDefaults)>(StringComparer.OrdinalIgnoreCase)
        {
            ["LSQConv2d"] = ("LSQConv", new()),
            ["LSQPlusConv2d"] = ("LSQPlusConv", new()),
            ["DSQConvV2"] = ("DSQConv", new()),
            ["DRFConv"] = ("DoReFaConv", new()),
            ["DRFLinear"] = ("DoReFaLinear", new()),
            ["APOTQuantConv2d"] = ("APoTConv", new()),
            ["APOTQuantLinear"] = ("APoTLinear", new()),
            // The reference's 8-bit helpers quantize only the weight unless quant_activation=True.
            ["EightBitQuantConv"] = ("EightBitConv", new(8, 8, o => o.QuantizeInput = false)),
            ["EightBitQuantLinear"] = ("EightBitLinear", new(8, 8, o => o.QuantizeInput = false)),
        };
}
