using QQuant.Export.Onnx;
using TorchSharp.Modules;

namespace QQuant.Export.Emitters;

/// <summary><see cref="MaxPool2d"/> as ONNX <c>MaxPool</c>.</summary>
internal sealed class MaxPool2dEmitter : OnnxEmitter<MaxPool2d>
{
    protected override OnnxValue Emit(OnnxExportContext context, MaxPool2d module, OnnxValue input) =>
        context.Node(
            "MaxPool",
            input,
            module.call(input.Sample),
            OnnxAttribute.Ints("kernel_shape", Pair(module.kernel_size)),
            OnnxAttribute.Ints("strides", Pair(module.stride ?? module.kernel_size)),
            OnnxAttribute.Ints("pads", Pads(module.padding)),
            OnnxAttribute.Ints("dilations", Pair(module.dilation ?? [1])),
            OnnxAttribute.Int("ceil_mode", module.ceil_mode ? 1 : 0));

    internal static long[] Pair(long[] values) => values.Length == 1 ? [values[0], values[0]] : values;

    internal static long[] Pads(long[]? padding)
    {
        long[] pair = Pair(padding ?? [0]);
        return [pair[0], pair[1], pair[0], pair[1]];
    }
}

/// <summary><see cref="AvgPool2d"/> as ONNX <c>AveragePool</c>.</summary>
internal sealed class AvgPool2dEmitter : OnnxEmitter<AvgPool2d>
{
    protected override OnnxValue Emit(OnnxExportContext context, AvgPool2d module, OnnxValue input)
    {
        if (module.divisor_override is not null)
        {
            throw new OnnxExportException(context.Path, $"'{context.Path}' sets divisor_override, which ONNX's AveragePool cannot express.");
        }

        return context.Node(
            "AveragePool",
            input,
            module.call(input.Sample),
            OnnxAttribute.Ints("kernel_shape", MaxPool2dEmitter.Pair(module.kernel_size)),
            OnnxAttribute.Ints("strides", MaxPool2dEmitter.Pair(module.stride ?? module.kernel_size)),
            OnnxAttribute.Ints("pads", MaxPool2dEmitter.Pads(module.padding)),
            OnnxAttribute.Int("ceil_mode", module.ceil_mode ? 1 : 0),
            OnnxAttribute.Int("count_include_pad", module.count_include_pad ? 1 : 0));
    }
}

/// <summary>
/// <see cref="AdaptiveAvgPool2d"/> as ONNX <c>GlobalAveragePool</c> (output 1×1), no node (output the input's size), or
/// <c>AveragePool</c> (an input size that the output size divides).
/// </summary>
internal sealed class AdaptiveAvgPool2dEmitter : OnnxEmitter<AdaptiveAvgPool2d>
{
    protected override OnnxValue Emit(OnnxExportContext context, AdaptiveAvgPool2d module, OnnxValue input)
    {
        long[] output = MaxPool2dEmitter.Pair(module.output_size);
        long[] size = [input.Sample.shape[^2], input.Sample.shape[^1]];
        TorchSharp.torch.Tensor sample = module.call(input.Sample);
        if (output.All(s => s == 1))
        {
            return context.Node("GlobalAveragePool", input, sample);
        }

        if (output.SequenceEqual(size))
        {
            return input with { Sample = sample };
        }

        if (size[0] % output[0] != 0 || size[1] % output[1] != 0)
        {
            throw new OnnxExportException(
                context.Path,
                $"'{context.Path}' pools [{size[0]}, {size[1]}] to [{output[0]}, {output[1]}], which no fixed AveragePool computes; export at an input size the output divides.");
        }

        long[] kernel = [size[0] / output[0], size[1] / output[1]];
        return context.Node("AveragePool", input, sample, OnnxAttribute.Ints("kernel_shape", kernel), OnnxAttribute.Ints("strides", kernel));
    }
}
