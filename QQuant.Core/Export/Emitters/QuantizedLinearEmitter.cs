namespace QQuant.Export.Emitters;

/// <summary>A <see cref="QuantizedLinear"/>: its input through Q(C)DQ, its weight through <c>DequantizeLinear</c>, then <c>Gemm</c>.</summary>
internal sealed class QuantizedLinearEmitter : OnnxEmitter<QuantizedLinear>
{
    protected override OnnxValue Emit(OnnxExportContext context, QuantizedLinear module, OnnxValue input)
    {
        var notes = new List<string>();
        (OnnxValue x, string inputDescription) = QuantizedWeightEmission.Input(context, module, input, notes);
        (string weight, _, _, string weightDescription) = QuantizedWeightEmission.Emit(context, module, notes);
        string? bias = module.bias is null ? null : context.Floats("bias", module.bias);
        OnnxValue output = LinearEmitter.Emit(context, x, weight, bias, module.call(input.Sample));
        context.Report(new OnnxLayerExport(context.Path, module.GetName(), weightDescription, inputDescription, null, notes));
        return output;
    }
}
