using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// A scheme on one float module type, under a class name of its own: <c>DSQConv</c> is DSQ on <c>Conv2d</c>,
/// <c>LSQLinear</c> LSQ on <c>Linear</c>. <c>Use&lt;DSQConv&gt;(2, 2)</c> builds the same layer as <c>Use&lt;Dsq&gt;(2, 2)</c>
/// on a Conv2d, and refuses other module types as the per-layer classes of the first release did.
/// </summary>
/// <typeparam name="TSelf">The name type itself (its class name is the layer name policies and reports print).</typeparam>
/// <typeparam name="TScheme">The scheme.</typeparam>
/// <typeparam name="TModule">The float module type it converts.</typeparam>
public abstract class SchemeLayer<TSelf, TScheme, TModule> : IQuantLayerType
    where TSelf : SchemeLayer<TSelf, TScheme, TModule>
    where TScheme : QuantScheme, IQuantLayerType
    where TModule : nn.Module<Tensor, Tensor>
{
    /// <summary>Only names derive from this class; they are never instantiated.</summary>
    protected SchemeLayer()
    {
    }

    /// <summary>The scheme restricted to <typeparamref name="TModule"/>, named after <typeparamref name="TSelf"/>.</summary>
    public static QuantLayerDescriptor Descriptor { get; } =
        QuantLayerDescriptor.ForScheme(typeof(TSelf), TScheme.Descriptor.Scheme!, [typeof(TModule)], typeof(TSelf).Name);
}
