using QQuant.Export.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Export.Emitters;

/// <summary>
/// A <see cref="BatchNorm2d"/> in evaluation: folded into the quantized convolution right before it (the per-channel
/// weight scale times <c>γ/√(σ² + ε)</c>, the bias <c>β + (b − μ)·γ/√(σ² + ε)</c>; the integer codes stay as
/// trained), otherwise ONNX <c>BatchNormalization</c>.
/// </summary>
internal sealed class BatchNorm2dEmitter : OnnxEmitter<BatchNorm2d>
{
    protected override OnnxValue Emit(OnnxExportContext context, BatchNorm2d module, OnnxValue input)
    {
        Tensor sample = module.call(input.Sample);
        (double[] factor, double[] shift) = Affine(module);
        if (context.Foldable(input.Name) is { } convolution)
        {
            Fold(context, convolution, factor, shift);
            context.Folded(convolution, sample);
            return input with { Sample = sample };
        }

        int channels = factor.Length;
        return context.Node(
            "BatchNormalization",
            [
                input.Name,
                context.Floats("scale", Floats(module.weight, channels, 1), channels),
                context.Floats("shift", Floats(module.bias, channels, 0), channels),
                context.Floats("mean", Floats(module.running_mean, channels, 0), channels),
                context.Floats("var", Floats(module.running_var, channels, 1), channels),
            ],
            sample,
            OnnxAttribute.Float("epsilon", (float)module.eps));
    }

    // y = x·factor + shift with factor = γ/√(σ² + ε) and shift = β − μ·factor, in float64.
    private static (double[] Factor, double[] Shift) Affine(BatchNorm2d module)
    {
        int channels = (int)module.num_features;
        float[] gamma = Floats(module.weight, channels, 1), beta = Floats(module.bias, channels, 0);
        float[] mean = Floats(module.running_mean, channels, 0), variance = Floats(module.running_var, channels, 1);
        double[] factor = [.. Enumerable.Range(0, channels).Select(c => gamma[c] / Math.Sqrt(variance[c] + module.eps))];
        double[] shift = [.. Enumerable.Range(0, channels).Select(c => beta[c] - (mean[c] * factor[c]))];
        return (factor, shift);
    }

    private static void Fold(OnnxExportContext context, FoldableConvolution convolution, double[] factor, double[] shift)
    {
        OnnxTensor scales = context.Graph.FindInitializer(convolution.Scales)!;
        OnnxTensor bias = context.Graph.FindInitializer(convolution.Bias)!;
        float[] s = scales.ToFloats(), b = bias.ToFloats();
        float[] foldedScales = [.. s.Select((value, c) => (float)(value * factor[c]))];
        float[] foldedBias = [.. b.Select((value, c) => (float)((value * factor[c]) + shift[c]))];
        PositiveScales(context, convolution, foldedScales);
        context.Graph.Replace(OnnxTensor.Floats(scales.Name, [.. scales.Dims], foldedScales));
        context.Graph.Replace(OnnxTensor.Floats(bias.Name, [.. bias.Dims], foldedBias));
        context.AmendReport(convolution.Path, row => row with { FoldedNorm = context.Path });
    }

    // A negative γ gives a channel a negative scale; ONNX Runtime's int32 bias of a QLinearConv then comes out wrong,
    // so such a channel takes the negated codes on the positive scale (the same values) where the container holds them.
    private static void PositiveScales(OnnxExportContext context, FoldableConvolution convolution, float[] scales)
    {
        OnnxTensor codes = context.Graph.FindInitializer(convolution.Codes)!;
        int[] values = codes.ToInt32s();
        int perChannel = values.Length / scales.Length;
        (int min, int max) = codes.DataType switch
        {
            OnnxDataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            OnnxDataType.Int4 => (-8, 7),
            _ => (0, -1),
        };
        bool changed = false;
        for (int c = 0; c < scales.Length; c++)
        {
            Span<int> channel = values.AsSpan(c * perChannel, perChannel);
            bool fits = true;
            foreach (int v in channel)
            {
                fits &= -v >= min && -v <= max;
            }

            if (scales[c] < 0 && fits)
            {
                scales[c] = -scales[c];
                channel.ToArray().Select(v => -v).ToArray().CopyTo(channel);
                changed = true;
            }
        }

        if (changed)
        {
            context.Graph.Replace(GraphBuilder.Integers(codes.Name, codes.DataType, [.. codes.Dims], values));
        }
    }

    private static float[] Floats(Tensor? tensor, int channels, float absent) =>
        tensor is null ? Enumerable.Repeat(absent, channels).ToArray() : OnnxExportContext.HostFloats(tensor);
}
