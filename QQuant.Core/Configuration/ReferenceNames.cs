namespace QQuant;

/// <summary>
/// The Python reference's spellings: its transformer type names, and its bit-width keys (QQuant.Quantizers registers the
/// reference's layer names as aliases of its own), so a config translated key by key binds.
/// </summary>
internal static class ReferenceNames
{
    public const string Transformer = "QuantTransformer";

    /// <summary>Transformer names the reference's configs and tutorials use (<c>mTransformerV2</c> was never registered there).</summary>
    public static readonly IReadOnlySet<string> TransformerAliases =
        new HashSet<string>(["QuanTransformer", "QuanTransformerV2", "mTransformerV2", "mTransformer"], StringComparer.OrdinalIgnoreCase);

    public static readonly IReadOnlyList<string> WeightBitsKeys = ["w", "weightBits", "num_bit_w", "nbits_w", "bit_w"];
    public static readonly IReadOnlyList<string> ActivationBitsKeys = ["a", "activationBits", "num_bit_a", "nbits_a", "bit_a"];
}
