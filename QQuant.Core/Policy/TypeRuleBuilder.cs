using static TorchSharp.torch;

namespace QQuant;

/// <summary>The half-written rule <c>For&lt;T&gt;()</c>: say what modules of that type become.</summary>
public sealed class TypeRuleBuilder
{
    private readonly QuantPolicyBuilder _policy;
    private readonly Type _moduleType;

    internal TypeRuleBuilder(QuantPolicyBuilder policy, Type moduleType)
    {
        _policy = policy;
        _moduleType = moduleType;
    }

    /// <summary>
    /// Convert the type's leaves to <typeparamref name="TLayer"/> with <paramref name="w"/> weight bits and
    /// <paramref name="a"/> input bits (1..8, or 32 to leave that tensor float).
    /// </summary>
    public QuantPolicyBuilder Use<TLayer>(int w, int a, Action<QuantLayerOptions>? configure = null)
        where TLayer : IQuantLayerType =>
        _policy.For(_moduleType, QuantTarget.Quantize<TLayer>(w, a, configure));

    /// <summary>
    /// Convert the type's leaves to <typeparamref name="TLayer"/>, configuring its own options type
    /// <typeparamref name="TOptions"/>: <c>Use&lt;LSQConv, LsqOptions&gt;(4, 4, o =&gt; o.ScaleGradient = false)</c>.
    /// </summary>
    public QuantPolicyBuilder Use<TLayer, TOptions>(int w, int a, Action<TOptions> configure)
        where TLayer : IQuantLayerType
        where TOptions : QuantLayerOptions =>
        _policy.For(_moduleType, QuantTarget.Quantize<TLayer, TOptions>(w, a, configure));

    /// <summary>Keep the type's leaves float (reported as "kept float"), for example to undo a base-type rule.</summary>
    public QuantPolicyBuilder KeepFloat() => _policy.For(_moduleType, QuantTarget.Float);
}
