namespace QQuant;

/// <summary>What a rule asks of one quantized layer: bit widths and options.</summary>
/// <param name="WeightBits">Weight bits, 1..8, or 32 to leave the weight float.</param>
/// <param name="ActivationBits">Input bits, 1..8, or 32 to leave the input float.</param>
/// <param name="Options">The layer's options.</param>
public sealed record QuantLayerSettings(int WeightBits, int ActivationBits, QuantLayerOptions Options)
{
    /// <summary>True unless the weight stays float (32 bits).</summary>
    public bool QuantizesWeight => WeightBits != 32;

    /// <summary>True when the input is quantized: activation bits below 32 and <see cref="QuantLayerOptions.QuantizeInput"/>.</summary>
    public bool QuantizesInput => ActivationBits != 32 && Options.QuantizeInput;

    /// <summary>True for a bit width QQuant accepts: 1..8, or 32 for a float tensor.</summary>
    public static bool IsValidBits(int bits) => bits is >= 1 and <= 8 or 32;

    /// <summary>Why <paramref name="bits"/> is not a valid width for the <paramref name="tensor"/> tensor, or null.</summary>
    internal static string? BitsProblem(int bits, string tensor) =>
        IsValidBits(bits) ? null : $"{tensor} bits {bits} are outside 1..8 (or 32 for float)";
}
