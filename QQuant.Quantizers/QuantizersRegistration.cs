using QQuant;

namespace QQuant.Quantizers;

/// <summary>Registers QQuant.Quantizers' schemes by name: <c>services.AddQQuant().AddQuantizers()</c>.</summary>
public static class QuantizersRegistration
{
    /// <summary>Registers every built-in scheme with the builder's registry.</summary>
    public static QQuantBuilder AddQuantizers(this QQuantBuilder builder)
    {
        builder.Layers.AddQuantizers();
        return builder;
    }

    /// <summary>
    /// Registers every built-in scheme under its name (<c>LSQ</c>, <c>DSQ</c>, ...), its per-layer names
    /// (<c>LSQConv</c>, <c>EightBitLinear</c>, ...) and the Python reference's names for them (<c>EightBitQuantConv</c>, ...).
    /// </summary>
    /// <remarks>
    /// An entry naming a per-layer name that gives no bits gets the Python reference constructor's defaults: 4/4 for
    /// LSQ, LSQ+, DoReFa and PACT convolutions, 8/8 for their linear layers, 8/8 for <c>DSQConv</c> and 4/4 for
    /// <c>DSQLinear</c>, 5/5 for the APoT layers and the uniform convolution, 8/8 for the uniform linear layer and the
    /// 8-bit layers. (The reference's 8/8 for <c>APOTQuantLinear</c> has no power-of-two level set: it produced NaN
    /// there.) An entry naming a scheme gives its bits.
    /// </remarks>
    public static QuantLayerRegistry AddQuantizers(this QuantLayerRegistry registry) =>
        registry
            .AddScheme<Lsq>()
            .AddScheme<LsqPlus>()
            .AddScheme<Dsq>()
            .AddScheme<DoReFa>()
            .AddScheme<Pact>()
            .AddScheme<APoT>()
            .AddScheme<Uniform>()
            .AddScheme<EightBit>();
}
