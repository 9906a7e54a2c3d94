using QQuant;

namespace CustomQuantizer;

/// <summary>
/// The scheme that puts <see cref="MyQuantizer"/> in quantized layers: a signed one for the weight, one for the input
/// whose sign comes from the options (Auto by default). Registered under its name, <c>MyQuant</c>, it quantizes every
/// operation QQuant has a layer for (Linear, Conv1d/2d/3d, the transposed convolutions); reports call its layers
/// <c>MyQuantConv</c>, <c>MyQuantLinear</c>, <c>MyQuantConv1d</c>, ...
/// </summary>
/// <remarks>
/// <c>Use&lt;MyScheme&gt;(4, 4)</c> names it in a fluent policy; <c>AddScheme&lt;MyScheme&gt;()</c> makes <c>"type": "MyQuant"</c>
/// work in JSON. The base class checks the options' type and per-channel weights (refused: <see cref="MyQuantizer"/>
/// has one step per tensor) when the policy is built, before any model is touched.
/// </remarks>
public sealed class MyScheme : QuantScheme<MyScheme, QuantLayerOptions>
{
    /// <summary>Creates the scheme; policies use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public MyScheme() : base("MyQuant")
    {
    }

    /// <inheritdoc />
    protected override bool SupportsPerChannelWeights => false;

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, QuantLayerOptions options, long channels) =>
        new MyQuantizer(settings.WeightBits, ActivationSign.Signed);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, QuantLayerOptions options) =>
        new MyQuantizer(settings.ActivationBits, options.ActivationSign);

    /// <inheritdoc />
    protected override string? WeightBitsProblem(int bits, QuantLayerOptions options) => bits < 2 ? "MyQuantizer needs 2 bits or more" : null;

    /// <inheritdoc />
    protected override string? InputBitsProblem(int bits, ActivationSign sign, QuantLayerOptions options) =>
        bits < 2 ? "MyQuantizer needs 2 bits or more" : null;
}
