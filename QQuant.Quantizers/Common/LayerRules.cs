using QQuant;

namespace QQuant.Quantizers;

/// <summary>The checks every algorithm's layers run on their settings, and how they read their options.</summary>
internal static class LayerRules
{
    /// <summary>The algorithm's options: the settings' own, or the defaults when plain <see cref="QuantLayerOptions"/> were given.</summary>
    public static TOptions Options<TOptions>(QuantLayerSettings settings)
        where TOptions : QuantLayerOptions, new() =>
        settings.Options as TOptions ?? new TOptions();

    /// <summary>The problems of <paramref name="settings"/> for <paramref name="layer"/>.</summary>
    /// <param name="layer">The layer's name, for messages.</param>
    /// <param name="settings">What the rule asks for.</param>
    /// <param name="perChannelWeights">Whether the algorithm supports per-channel weight scales.</param>
    /// <param name="weightBits">Why a weight width is impossible, or null.</param>
    /// <param name="inputBits">Why an input width with a given sign is impossible, or null.</param>
    public static IEnumerable<string> Validate<TOptions>(
        string layer,
        QuantLayerSettings settings,
        bool perChannelWeights,
        Func<int, string?> weightBits,
        Func<int, ActivationSign, string?> inputBits)
        where TOptions : QuantLayerOptions
    {
        Type given = settings.Options.GetType();
        if (given != typeof(QuantLayerOptions) && !typeof(TOptions).IsAssignableFrom(given))
        {
            yield return $"{layer} takes {typeof(TOptions).Name}, not {given.Name}";
        }

        if (settings.QuantizesWeight && weightBits(settings.WeightBits) is { } weightProblem)
        {
            yield return $"{layer} weights: {weightProblem} (w: {settings.WeightBits})";
        }

        ActivationSign sign = settings.Options.ActivationSign;
        if (settings.QuantizesInput && inputBits(settings.ActivationBits, sign) is { } inputProblem)
        {
            yield return $"{layer} inputs ({sign}): {inputProblem} (a: {settings.ActivationBits})"
                         + (sign != ActivationSign.Unsigned && inputBits(settings.ActivationBits, ActivationSign.Unsigned) is null
                             ? "; set activationSign to Unsigned, which allows it" : "");
        }

        if (settings.QuantizesWeight && settings.Options.PerChannelWeights && !perChannelWeights)
        {
            yield return $"{layer} has one weight scale per tensor; perChannelWeights is not supported";
        }
    }

    /// <summary>The problem of a grid that needs 2 bits when it may be signed, or null.</summary>
    public static string? SignedNeedsTwoBits(int bits, ActivationSign sign) =>
        bits < 2 && sign != ActivationSign.Unsigned ? "a signed grid needs 2 bits or more" : null;

    /// <summary>Per-channel steps for a weight with <paramref name="outChannels"/> output channels, or 1.</summary>
    public static long Channels(QuantLayerSettings settings, long outChannels) =>
        settings.Options.PerChannelWeights ? outChannels : 1;
}
