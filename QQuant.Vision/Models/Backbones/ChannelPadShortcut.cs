using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// He et al.'s option-A shortcut: keeps every <c>stride</c>-th pixel and zero-pads the channels up to
/// <c>outChannels</c> (the new channels are split evenly before and after the old ones). No parameters.
/// </summary>
internal sealed class ChannelPadShortcut : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly int _stride;
    private readonly long _before;
    private readonly long _after;

    public ChannelPadShortcut(int inChannels, int outChannels, int stride) : base(nameof(ChannelPadShortcut))
    {
        _stride = stride;
        _before = (outChannels - inChannels) / 2;
        _after = outChannels - inChannels - _before;
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = _stride == 1 ? input : input[.., .., TensorIndex.Slice(null, null, _stride), TensorIndex.Slice(null, null, _stride)];
        return nn.functional.pad(x, [0, 0, 0, 0, _before, _after]).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue x = input;
        if (_stride != 1)
        {
            Tensor subsampled = input.Sample[.., .., TensorIndex.Slice(null, null, _stride), TensorIndex.Slice(null, null, _stride)];
            x = context.Node(
                "Slice",
                [x.Name, context.Int64s("starts", 0, 0), context.Int64s("ends", long.MaxValue, long.MaxValue), context.Int64s("axes", 2, 3), context.Int64s("steps", _stride, _stride)],
                subsampled);
        }

        return context.Node("Pad", [x.Name, context.Int64s("pads", 0, _before, 0, 0, 0, _after, 0, 0)], call(input.Sample));
    }
}
