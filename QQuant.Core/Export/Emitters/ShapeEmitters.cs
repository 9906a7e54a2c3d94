using QQuant.Export.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace QQuant.Export.Emitters;

/// <summary><see cref="Flatten"/> as ONNX <c>Flatten</c> (to the last dimension) or <c>Reshape</c>.</summary>
internal sealed class FlattenEmitter : OnnxEmitter<Flatten>
{
    protected override OnnxValue Emit(OnnxExportContext context, Flatten module, OnnxValue input)
    {
        TorchSharp.torch.Tensor sample = module.call(input.Sample);
        long rank = input.Sample.dim();
        long start = module.start_dim < 0 ? module.start_dim + rank : module.start_dim;
        long end = module.end_dim < 0 ? module.end_dim + rank : module.end_dim;
        if (end == rank - 1)
        {
            return context.Node("Flatten", input, sample, OnnxAttribute.Int("axis", start));
        }

        // Keep the leading dimensions as they come (0), one merged dimension (-1), then the trailing ones.
        long[] shape = [.. Enumerable.Repeat(0L, (int)start), -1, .. sample.shape.Skip((int)start + 1)];
        return context.Node("Reshape", [input.Name, context.Int64s("shape", shape)], sample);
    }
}

/// <summary>Modules that pass their input on in evaluation (<see cref="Identity"/>, <see cref="Dropout"/>): no node.</summary>
internal sealed class PassThroughEmitter<TModule> : OnnxEmitter<TModule>
    where TModule : nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>
{
    protected override OnnxValue Emit(OnnxExportContext context, TModule module, OnnxValue input) => input;
}

/// <summary><see cref="Sequential"/>: its children in order.</summary>
internal sealed class SequentialEmitter : OnnxEmitter<Sequential>
{
    protected override OnnxValue Emit(OnnxExportContext context, Sequential module, OnnxValue input)
    {
        OnnxValue value = input;
        foreach ((string name, nn.Module child) in module.named_children())
        {
            value = context.Emit(name, child, value);
        }

        return value;
    }
}
