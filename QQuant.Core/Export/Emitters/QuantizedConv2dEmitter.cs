namespace QQuant.Export.Emitters;

/// <summary>
/// A <see cref="QuantizedConv2d"/>: its input through Q(C)DQ, its weight as integer codes through
/// <c>DequantizeLinear</c> (per output channel, so a following BatchNorm folds into the scales), and a float bias.
/// </summary>
internal sealed class QuantizedConv2dEmitter : OnnxEmitter<QuantizedConv2d>
{
    protected override OnnxValue Emit(OnnxExportContext context, QuantizedConv2d module, OnnxValue input)
    {
        var notes = new List<string>();
        (OnnxValue x, string inputDescription) = QuantizedWeightEmission.Input(context, module, input, notes);
        (string weight, string? scales, string? codes, string weightDescription) = QuantizedWeightEmission.Emit(context, module, notes);
        string? bias = module.bias is not null ? context.Floats("bias", module.bias)
            : scales is not null ? context.Floats("bias", new float[module.OutChannels], module.OutChannels)
            : null;
        OnnxValue output = ConvolutionEmission.Emit(context, ConvolutionGeometry2d.Of(module), x, weight, bias, module.call(input.Sample));
        if (scales is not null)
        {
            context.MarkFoldable(output.Name, new FoldableConvolution(context.Path, output.Name, scales, bias!, codes!, output.Sample));
        }

        context.Report(new OnnxLayerExport(context.Path, module.GetName(), weightDescription, inputDescription, null, notes));
        return output;
    }
}
