using static TorchSharp.torch;

namespace QQuant;

/// <summary>Chooses the target of an <see cref="QuantPolicyBuilder.Override(string, Func{QuantTargetBuilder, QuantTarget})"/>.</summary>
public sealed class QuantTargetBuilder
{
    internal static QuantTargetBuilder Instance { get; } = new();

    private QuantTargetBuilder()
    {
    }

    /// <summary>
    /// Convert to <typeparamref name="TLayer"/> with <paramref name="w"/> weight bits and <paramref name="a"/> input
    /// bits (1..8, or 32 to leave that tensor float); <paramref name="configure"/> adjusts the layer's options.
    /// </summary>
    public QuantTarget Use<TLayer>(int w, int a, Action<QuantLayerOptions>? configure = null)
        where TLayer : IQuantLayerType =>
        QuantTarget.Quantize<TLayer>(w, a, configure);

    /// <summary>
    /// Convert to <typeparamref name="TLayer"/>, configuring its own options type <typeparamref name="TOptions"/>:
    /// <c>Use&lt;LSQConv, LsqOptions&gt;(4, 4, o =&gt; o.ScaleGradient = false)</c>.
    /// </summary>
    public QuantTarget Use<TLayer, TOptions>(int w, int a, Action<TOptions> configure)
        where TLayer : IQuantLayerType
        where TOptions : QuantLayerOptions =>
        QuantTarget.Quantize<TLayer, TOptions>(w, a, configure);

    /// <summary>Leave the module float (reported as "kept float").</summary>
    public QuantTarget KeepFloat() => QuantTarget.Float;
}
