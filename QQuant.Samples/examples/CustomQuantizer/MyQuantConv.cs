using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CustomQuantizer;

/// <summary>
/// A 2-D convolution whose weight (signed grid) and input (sign from the options, Auto by default) go through
/// <see cref="MyQuantizer"/>s. <see cref="QuantizedConv2d"/> copies the float layer's weight, bias, stride,
/// padding, dilation and groups and does the convolution; this class only says which quantizers to use.
/// </summary>
/// <remarks>
/// Implementing <see cref="IQuantizedLayer{TSelf}"/> is what lets a policy build it by type
/// (<c>Use&lt;MyQuantConv&gt;(4, 4)</c>); <c>AddQuantLayer&lt;MyQuantConv&gt;("MyQuantConv")</c> makes it nameable in JSON.
/// </remarks>
public sealed class MyQuantConv : QuantizedConv2d, IQuantizedLayer<MyQuantConv>
{
    /// <summary>Builds the layer from a float convolution.</summary>
    public MyQuantConv(Conv2d source, QuantLayerSettings settings)
        : base(
            nameof(MyQuantConv),
            source,
            settings,
            () => new MyQuantizer(settings.WeightBits, ActivationSign.Signed),
            () => new MyQuantizer(settings.ActivationBits, settings.Options.ActivationSign))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static MyQuantConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <summary>
    /// Refuses what <see cref="MyQuantizer"/> cannot do, when the policy is built (before any model is touched):
    /// fewer than 2 bits, and per-channel weights.
    /// </summary>
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings)
    {
        if (settings.QuantizesWeight && settings.WeightBits < 2)
        {
            yield return $"MyQuantConv needs 2 weight bits or more, not {settings.WeightBits}";
        }

        if (settings.QuantizesInput && settings.ActivationBits < 2)
        {
            yield return $"MyQuantConv needs 2 input bits or more, not {settings.ActivationBits}";
        }

        if (settings.Options.PerChannelWeights)
        {
            yield return "MyQuantConv has one weight step per tensor; perChannelWeights is not supported";
        }
    }
}
