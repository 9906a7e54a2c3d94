using System.Reflection;

namespace QQuant;

/// <summary>
/// A scheme that policies can name by type (<c>For&lt;Convolution&gt;().Use&lt;Lsq&gt;(4, 4)</c>), with its options
/// type <typeparamref name="TOptions"/> and the checks every scheme shares: the options' type, bit widths the grids
/// cannot hold, per-channel weights when the scheme has none, and the scheme's own option checks.
/// </summary>
/// <typeparam name="TSelf">The scheme type itself.</typeparam>
/// <typeparam name="TOptions">The scheme's options.</typeparam>
public abstract class QuantScheme<TSelf, TOptions> : QuantScheme, IQuantLayerType
    where TSelf : QuantScheme<TSelf, TOptions>, new()
    where TOptions : QuantLayerOptions, new()
{
    /// <summary>Creates the scheme; see <see cref="QuantScheme(string)"/>.</summary>
    protected QuantScheme(string name) : base(name)
    {
    }

    /// <summary>The one instance policies and registries use.</summary>
    public static TSelf Instance { get; } = new();

    /// <summary>What a policy converts modules to when it names this scheme: every operation the scheme quantizes.</summary>
    public static QuantLayerDescriptor Descriptor { get; } = QuantLayerDescriptor.ForScheme(typeof(TSelf), Instance);

    /// <summary>Whether the scheme's weights may have one scale per channel (<see cref="QuantLayerOptions.PerChannelWeights"/>).</summary>
    protected virtual bool SupportsPerChannelWeights => true;

    /// <inheritdoc />
    public sealed override QuantLayerOptions CreateOptions() => new TOptions();

    /// <inheritdoc />
    public sealed override Quantizer CreateWeightQuantizer(QuantLayerSettings settings, long channels) =>
        WeightQuantizer(settings, OptionsOf(settings), settings.Options.PerChannelWeights ? channels : 1);

    /// <inheritdoc />
    public sealed override Quantizer CreateInputQuantizer(QuantLayerSettings settings) =>
        InputQuantizer(settings, OptionsOf(settings));

    /// <inheritdoc />
    public sealed override IEnumerable<string> Validate(string layer, QuantLayerSettings settings)
    {
        if (OptionsTypeProblem(layer, settings) is { } wrongType)
        {
            yield return wrongType;
            yield break;
        }

        TOptions options = OptionsOf(settings);
        if (settings.QuantizesWeight && WeightBitsProblem(settings.WeightBits, options) is { } weightProblem)
        {
            yield return $"{layer} weights: {weightProblem} (w: {settings.WeightBits})";
        }

        ActivationSign sign = settings.Options.ActivationSign;
        if (settings.QuantizesInput && InputBitsProblem(settings.ActivationBits, sign, options) is { } inputProblem)
        {
            yield return $"{layer} inputs ({sign}): {inputProblem} (a: {settings.ActivationBits})"
                         + (sign != ActivationSign.Unsigned && InputBitsProblem(settings.ActivationBits, ActivationSign.Unsigned, options) is null
                             ? "; set activationSign to Unsigned, which allows it" : "");
        }

        if (settings.QuantizesWeight && settings.Options.PerChannelWeights && !SupportsPerChannelWeights)
        {
            yield return $"{layer} has one weight scale per tensor; perChannelWeights is not supported";
        }

        foreach (string problem in OptionProblems(options))
        {
            yield return $"{layer}: {problem}";
        }
    }

    /// <summary>Builds the weight quantizer.</summary>
    /// <param name="settings">Bits and options.</param>
    /// <param name="options">The options as <typeparamref name="TOptions"/> (plain options completed with the scheme's defaults).</param>
    /// <param name="channels">The number of per-channel scales: the weight's dimension 0 with per-channel weights, otherwise 1.</param>
    protected abstract Quantizer WeightQuantizer(QuantLayerSettings settings, TOptions options, long channels);

    /// <summary>Builds the input quantizer.</summary>
    protected abstract Quantizer InputQuantizer(QuantLayerSettings settings, TOptions options);

    /// <summary>Why the weight grid cannot have <paramref name="bits"/> bits, or null (the default).</summary>
    protected virtual string? WeightBitsProblem(int bits, TOptions options) => null;

    /// <summary>Why the input grid cannot have <paramref name="bits"/> bits with <paramref name="sign"/>, or null (the default).</summary>
    protected virtual string? InputBitsProblem(int bits, ActivationSign sign, TOptions options) => null;

    /// <summary>The problems of the scheme's own options (without the layer's name), or none (the default).</summary>
    protected virtual IEnumerable<string> OptionProblems(TOptions options) => [];

    /// <summary>The problem of a grid that needs 2 bits when it may be signed, or null.</summary>
    protected static string? SignedNeedsTwoBits(int bits, ActivationSign sign) =>
        bits < 2 && sign != ActivationSign.Unsigned ? "a signed grid needs 2 bits or more" : null;

    // Options of the scheme's type (or a derived one) and plain QuantLayerOptions are accepted; another scheme's are not.
    private static string? OptionsTypeProblem(string layer, QuantLayerSettings settings)
    {
        Type given = settings.Options.GetType();
        return given == typeof(QuantLayerOptions) || typeof(TOptions).IsAssignableFrom(given)
            ? null
            : $"{layer} takes {typeof(TOptions).Name}, not {given.Name}";
    }

    // Plain options keep what they set and take the scheme's defaults for the rest; options of another scheme are refused,
    // since their settings would be silently ignored.
    private TOptions OptionsOf(QuantLayerSettings settings)
    {
        if (settings.Options is TOptions own)
        {
            return own;
        }

        if (OptionsTypeProblem(Name, settings) is { } wrongType)
        {
            throw new QuantPolicyException([wrongType]);
        }

        var options = new TOptions();
        foreach (PropertyInfo property in typeof(QuantLayerOptions).GetProperties().Where(p => p.CanWrite))
        {
            property.SetValue(options, property.GetValue(settings.Options));
        }

        return options;
    }
}
