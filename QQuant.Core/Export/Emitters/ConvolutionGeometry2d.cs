using TorchSharp;
using TorchSharp.Modules;

namespace QQuant.Export.Emitters;

/// <summary>What a 2-D convolution node needs besides its tensors, taken from a float or a quantized convolution.</summary>
internal sealed record ConvolutionGeometry2d(
    long[] Kernel, long[] Stride, long[]? Padding, Padding? PaddingType, long[] Dilation, long Groups, PaddingModes Mode)
{
    public static ConvolutionGeometry2d Of(Conv2d conv) =>
        new([.. conv.kernel_size], [.. conv.stride], conv.padding is null ? null : [.. conv.padding], conv.padding_type,
            [.. conv.dilation], conv.groups, conv.padding_mode);

    public static ConvolutionGeometry2d Of(QuantizedConv2d conv) =>
        new([.. conv.KernelSize], [.. conv.Stride], conv.PaddingSize is null ? null : [.. conv.PaddingSize], conv.PaddingType,
            [.. conv.Dilation], conv.Groups, conv.PaddingMode);

    /// <summary>ONNX's pads, <c>[top, left, bottom, right]</c>, as PyTorch pads (for <c>Same</c>: the extra row or column at the end).</summary>
    public long[] Pads()
    {
        if (PaddingType == TorchSharp.Padding.Valid)
        {
            return [0, 0, 0, 0];
        }

        if (PaddingType == TorchSharp.Padding.Same)
        {
            long[] total = [Dilation[0] * (Kernel[0] - 1), Dilation[1] * (Kernel[1] - 1)];
            return [total[0] / 2, total[1] / 2, total[0] - (total[0] / 2), total[1] - (total[1] / 2)];
        }

        long[] padding = Padding!.Length == 1 ? [Padding[0], Padding[0]] : Padding!;
        return [padding[0], padding[1], padding[0], padding[1]];
    }
}
