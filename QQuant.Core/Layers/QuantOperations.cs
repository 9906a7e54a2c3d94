using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The float operations a <see cref="QuantScheme"/> quantizes, each with its quantized layer and the suffix of its
/// layer names (a Conv2d keeps the first release's plain <c>Conv</c>: <c>LSQConv</c>).
/// </summary>
internal static class QuantOperations
{
    private static readonly Operation[] All =
    [
        new(typeof(Linear), "Linear", typeof(QuantizedLinear), (m, s, q, n) => new QuantizedLinear((Linear)m, s, q, n)),
        new(typeof(Conv1d), "Conv1d", typeof(QuantizedConv1d), (m, s, q, n) => new QuantizedConv1d((Conv1d)m, s, q, n)),
        new(typeof(Conv2d), "Conv", typeof(QuantizedConv2d), (m, s, q, n) => new QuantizedConv2d((Conv2d)m, s, q, n)),
        new(typeof(Conv3d), "Conv3d", typeof(QuantizedConv3d), (m, s, q, n) => new QuantizedConv3d((Conv3d)m, s, q, n)),
        new(typeof(ConvTranspose1d), "ConvTranspose1d", typeof(QuantizedConvTranspose1d), (m, s, q, n) => new QuantizedConvTranspose1d((ConvTranspose1d)m, s, q, n)),
        new(typeof(ConvTranspose2d), "ConvTranspose2d", typeof(QuantizedConvTranspose2d), (m, s, q, n) => new QuantizedConvTranspose2d((ConvTranspose2d)m, s, q, n)),
        new(typeof(ConvTranspose3d), "ConvTranspose3d", typeof(QuantizedConvTranspose3d), (m, s, q, n) => new QuantizedConvTranspose3d((ConvTranspose3d)m, s, q, n)),
    ];

    /// <summary>The float module types a scheme quantizes.</summary>
    public static IReadOnlyList<Type> FloatTypes { get; } = [.. All.Select(o => o.FloatType)];

    /// <summary>The suffix of layer names for <paramref name="moduleType"/>, or its own name for a type no operation covers.</summary>
    public static string Suffix(Type moduleType) => Find(moduleType)?.Suffix ?? moduleType.Name;

    /// <summary>The quantized layer type built for <paramref name="moduleType"/>.</summary>
    public static Type LayerType(Type moduleType) => Find(moduleType)?.LayerType ?? typeof(QuantizedLayer);

    /// <summary>Builds <paramref name="scheme"/>'s layer for <paramref name="source"/> (a module of one of <see cref="FloatTypes"/>).</summary>
    public static QuantizedLayer Create(nn.Module<Tensor, Tensor> source, QuantScheme scheme, QuantLayerSettings settings, string? name) =>
        (Find(source.GetType()) ?? throw new ArgumentException($"No quantized layer converts {source.GetType().Name}.", nameof(source)))
        .Create(source, scheme, settings, name);

    private static Operation? Find(Type moduleType) => All.FirstOrDefault(o => o.FloatType.IsAssignableFrom(moduleType));

    private sealed record Operation(
        Type FloatType,
        string Suffix,
        Type LayerType,
        Func<nn.Module<Tensor, Tensor>, QuantScheme, QuantLayerSettings, string?, QuantizedLayer> Create);
}
