using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A fully connected layer with uniform quantization with learned clipping (the reference's "UQ": the APoT layer with a uniform grid, <c>2^b − 1</c> steps for inputs): weight (standardised) and input go through <see cref="APoTQuantizer"/>s with <see cref="APoTGrid.Uniform"/>. Converts <see cref="Linear"/>.
/// </summary>
public sealed class UniformLinear : QuantizedLinear, IQuantizedLayer<UniformLinear>
{
    /// <summary>Builds the layer from a float linear module.</summary>
    public UniformLinear(Linear source, QuantLayerSettings settings)
        : base(nameof(UniformLinear), source, settings, () => APoTLayers.ForWeight(settings, source.out_features, APoTGrid.Uniform), () => APoTLayers.ForInput(settings, APoTGrid.Uniform))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    /// <inheritdoc />
    public static UniformLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Linear)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new ClipOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        APoTLayers.Validate<ClipOptions>(nameof(UniformLinear), settings, APoTGrid.Uniform);
}
