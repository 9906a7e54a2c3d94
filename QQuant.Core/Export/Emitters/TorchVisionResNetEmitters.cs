using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Export.Emitters;

/// <summary>
/// TorchVision's <c>ResNet</c> and its <c>BasicBlock</c> and <c>Bottleneck</c> (TorchSharp's TorchVision package),
/// found by name when that package is loaded, so QQuant.Core needs no reference to it. The blocks' children are
/// <c>conv1</c>, <c>bn1</c>, <c>relu1</c>, <c>conv2</c>, <c>bn2</c> (<c>relu2</c>, <c>conv3</c>, <c>bn3</c>) and
/// <c>downsample</c>, and their forward ends in <c>relu(x + identity)</c>.
/// </summary>
internal static class TorchVisionResNetEmitters
{
    private const string ResNet = "TorchSharp.Modules.ResNet, TorchVision";

    public static IEnumerable<IOnnxEmitter> All()
    {
        if (Type.GetType(ResNet, throwOnError: false) is not { } resNet)
        {
            yield break;
        }

        // The ResNet's children are registered in forward order: conv1 … maxpool, layer1..4, avgpool, flatten, fc.
        yield return new ByNameEmitter(resNet, (context, children, input) =>
            children.Aggregate(input, (value, child) => context.Emit(child.Name, child.Module, value)));
        foreach (string block in new[] { "BasicBlock", "Bottleneck" })
        {
            if (resNet.GetNestedType(block, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public) is { } type)
            {
                yield return new ByNameEmitter(type, Block);
            }
        }
    }

    private static OnnxValue Block(OnnxExportContext context, IReadOnlyList<(string Name, nn.Module Module)> children, OnnxValue input)
    {
        Dictionary<string, nn.Module> named = children.ToDictionary(c => c.Name, c => c.Module);
        OnnxValue Step(string conv, string norm, OnnxValue x) => context.Emit(norm, named[norm], context.Emit(conv, named[conv], x));
        OnnxValue x = context.Emit("relu1", named["relu1"], Step("conv1", "bn1", input));
        x = Step("conv2", "bn2", x);
        if (named.ContainsKey("conv3"))
        {
            x = Step("conv3", "bn3", context.Emit("relu2", named["relu2"], x));
        }

        OnnxValue identity = named.TryGetValue("downsample", out nn.Module? downsample) ? context.Emit("downsample", downsample, input) : input;
        Tensor sum = x.Sample + identity.Sample;
        OnnxValue added = context.Node("Add", [x.Name, identity.Name], sum);
        return context.Node("Relu", added, sum.relu());
    }

    /// <summary>An emitter for a type known only at run time, working from the module's named children.</summary>
    private sealed class ByNameEmitter(Type type, Func<OnnxExportContext, IReadOnlyList<(string Name, nn.Module Module)>, OnnxValue, OnnxValue> emit) : IOnnxEmitter
    {
        public Type ModuleType => type;

        public OnnxValue Emit(OnnxExportContext context, nn.Module module, OnnxValue input) =>
            emit(context, [.. module.named_children().Select(c => (c.name, c.module))], input);
    }
}
