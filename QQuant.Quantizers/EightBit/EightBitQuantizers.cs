using QQuant;

namespace QQuant.Quantizers;

/// <summary>The quantizers and setting checks shared by <see cref="EightBitConv"/> and <see cref="EightBitLinear"/>.</summary>
internal static class EightBitQuantizers
{
    public static Quantizer ForWeight(QuantLayerSettings settings) =>
        new MaxAbsQuantizer(settings.WeightBits, signed: true, perChannel: settings.Options.PerChannelWeights);

    public static Quantizer ForInput(QuantLayerSettings settings) =>
        new MaxAbsQuantizer(settings.ActivationBits, SignedInput(settings), perChannel: false);

    public static IEnumerable<string> Validate(string layer, QuantLayerSettings settings)
    {
        if (settings.QuantizesWeight && settings.WeightBits < 2)
        {
            yield return $"{layer} needs at least 2 weight bits (its symmetric grid has 2^(b-1)-1 steps per side)";
        }

        if (settings.QuantizesInput && SignedInput(settings) && settings.ActivationBits < 2)
        {
            yield return $"{layer} needs at least 2 activation bits for a signed input (or ActivationSign.Unsigned)";
        }
    }

    private static bool SignedInput(QuantLayerSettings settings) =>
        settings.Options.ActivationSign != ActivationSign.Unsigned;
}
