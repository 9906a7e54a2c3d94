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
    /// <remarks>
    /// An entry that gives no bits gets the Python reference constructor's defaults: 4/4 for LSQ, LSQ+, DoReFa and
    /// PACT convolutions, 8/8 for their linear layers, 8/8 for <c>DSQConv</c> and 4/4 for <c>DSQLinear</c>, 5/5 for the
    /// APoT layers and the uniform convolution, 8/8 for the uniform linear layer and the 8-bit layers. (The reference's
    /// 8/8 for <c>APOTQuantLinear</c> has no power-of-two level set: it produced NaN there.)
    /// </remarks>
    public static QuantLayerRegistry AddQuantizers(this QuantLayerRegistry registry) =>
        registry
            .Add<LSQConv>(nameof(LSQConv), Bits(4))
            .Add<LSQLinear>(nameof(LSQLinear), Bits(8))
            .Add<LSQPlusConv>(nameof(LSQPlusConv), Bits(4))
            .Add<LSQPlusLinear>(nameof(LSQPlusLinear), Bits(8))
            .Add<DSQConv>(nameof(DSQConv), Bits(8))
            .Add<DSQLinear>(nameof(DSQLinear), Bits(4))
            .Add<DoReFaConv>(nameof(DoReFaConv), Bits(4))
            .Add<DoReFaLinear>(nameof(DoReFaLinear), Bits(8))
            .Add<PACTConv>(nameof(PACTConv), Bits(4))
            .Add<PACTLinear>(nameof(PACTLinear), Bits(8))
            .Add<APoTConv>(nameof(APoTConv), Bits(5))
            .Add<APoTLinear>(nameof(APoTLinear), Bits(5))
            .Add<UniformConv>(nameof(UniformConv), Bits(5))
            .Add<UniformLinear>(nameof(UniformLinear), Bits(8))
            .Add<EightBitConv>(nameof(EightBitConv), Bits(8))
            .Add<EightBitLinear>(nameof(EightBitLinear), Bits(8));

    private static QuantLayerDefaults Bits(int bits) => new(WeightBits: bits, ActivationBits: bits);
}
