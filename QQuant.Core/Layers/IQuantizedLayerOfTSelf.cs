using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The contract that lets a policy build a quantized layer class of your own by type (<c>Use&lt;TLayer&gt;(w, a)</c>)
/// without a container: which float module types the layer converts, and how it is built from one of them.
/// </summary>
/// <remarks>
/// A new algorithm needs no layer class: write its quantizer and a <see cref="QuantScheme{TSelf, TOptions}"/>, and
/// every operation quantizes with it. Implement this interface for a layer that computes something the built-in
/// layers do not.
/// </remarks>
/// <typeparam name="TSelf">The implementing layer type itself.</typeparam>
/// <example>
/// <code>
/// public sealed class MyConv : QuantizedConv2d, IQuantizedLayer&lt;MyConv&gt;
/// {
///     public MyConv(Conv2d source, QuantLayerSettings s) : base(nameof(MyConv), source, s, ..., ...) { }
///     public static IReadOnlyList&lt;Type&gt; ConvertsFrom { get; } = [typeof(Conv2d)];
///     public static MyConv FromFloat(nn.Module&lt;Tensor, Tensor&gt; source, QuantLayerSettings s) =&gt; new((Conv2d)source, s);
/// }
/// </code>
/// </example>
public interface IQuantizedLayer<TSelf> : IQuantizedLayer, IQuantLayerType
    where TSelf : nn.Module<Tensor, Tensor>, IQuantizedLayer<TSelf>
{
    /// <summary>Describes the layer class for policies.</summary>
    static QuantLayerDescriptor IQuantLayerType.Descriptor => QuantLayerDescriptor.OfLayer<TSelf>();

    /// <summary>
    /// The float module types this layer converts (a module converts if its type is one of them or derives from one).
    /// </summary>
    static abstract IReadOnlyList<Type> ConvertsFrom { get; }

    /// <summary>
    /// Builds the layer from a float module whose type is in <see cref="ConvertsFrom"/>: copies (never aliases) its
    /// weight and bias and every hyper-parameter that shapes the computation.
    /// </summary>
    static abstract TSelf FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings);

    /// <summary>
    /// A fresh options object with this layer's defaults; layers with algorithm-specific options return a derived
    /// <see cref="QuantLayerOptions"/> record.
    /// </summary>
    static virtual QuantLayerOptions CreateOptions() => new();

    /// <summary>
    /// The problems with <paramref name="settings"/> for this layer (bits it cannot represent, options it does not
    /// support); empty when they are fine. Policies call it when they are built, before any model is touched.
    /// </summary>
    static virtual IEnumerable<string> ValidateSettings(QuantLayerSettings settings) => [];
}
