using QQuant;

namespace QQuant.Quantizers;

/// <summary>Registers QQuant.Quantizers' layers by name: <c>services.AddQQuant().AddQuantizers()</c>.</summary>
public static class QuantizersRegistration
{
    /// <summary>Registers every built-in quantized layer with the builder's registry.</summary>
    public static QQuantBuilder AddQuantizers(this QQuantBuilder builder)
    {
        builder.Layers.AddQuantizers();
        return builder;
    }

    /// <summary>
    /// Registers every built-in quantized layer under its class name (the Python reference's names resolve to them
    /// too, for example <c>EightBitQuantConv</c>).
    /// </summary>
    public static QuantLayerRegistry AddQuantizers(this QuantLayerRegistry registry) =>
        registry
            .Add<EightBitConv>(nameof(EightBitConv), new QuantLayerDefaults(WeightBits: 8, ActivationBits: 8))
            .Add<EightBitLinear>(nameof(EightBitLinear), new QuantLayerDefaults(WeightBits: 8, ActivationBits: 8));
}
