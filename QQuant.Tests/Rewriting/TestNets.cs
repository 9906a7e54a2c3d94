using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Rewriting;

/// <summary>A custom module holding its children in private readonly fields, TorchVision style.</summary>
internal sealed class FieldNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> conv;
    private readonly nn.Module<Tensor, Tensor> relu;

    public FieldNet() : base(nameof(FieldNet))
    {
        conv = nn.Conv2d(2, 3, 3);
        relu = nn.ReLU();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => relu.call(conv.call(input));
}

/// <summary>Declares its conv with the sealed type: it cannot hold a quantized layer.</summary>
internal sealed class SealedFieldNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    public SealedFieldNet() : base(nameof(SealedFieldNet))
    {
        conv = nn.Conv2d(2, 2, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => conv.call(input);
}

/// <summary>Blocks in a ModuleList&lt;T&gt; (T chosen by the test), run in order.</summary>
internal sealed class ListNet<T> : nn.Module<Tensor, Tensor> where T : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<T> blocks;

    public ListNet(params T[] modules) : base(nameof(ListNet<T>))
    {
        blocks = nn.ModuleList(modules);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => blocks.Aggregate(input, (x, block) => block.call(x));
}

/// <summary>Blocks in a ModuleDict, run in key order.</summary>
internal sealed class DictNet : nn.Module<Tensor, Tensor>
{
    private readonly ModuleDict<nn.Module<Tensor, Tensor>> stages;

    public DictNet() : base(nameof(DictNet))
    {
        stages = nn.ModuleDict<nn.Module<Tensor, Tensor>>(("first", nn.Conv2d(2, 2, 1)), ("second", nn.Conv2d(2, 2, 1)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => stages.values().Aggregate(input, (x, stage) => stage.call(x));
}

/// <summary>Keeps its layers in a plain List, registered by hand.</summary>
internal sealed class PlainListNet : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> layers = [nn.Conv2d(2, 2, 1), nn.Conv2d(2, 2, 1)];

    public PlainListNet() : base(nameof(PlainListNet))
    {
        for (int i = 0; i < layers.Count; i++)
        {
            register_module($"layer{i}", layers[i]);
        }
    }

    public override Tensor forward(Tensor input) => layers.Aggregate(input, (x, layer) => layer.call(x));
}

/// <summary>One conv instance reachable as both "a" and "b" (applied twice).</summary>
internal sealed class SharedNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> a;
    private readonly nn.Module<Tensor, Tensor> b;

    public SharedNet() : base(nameof(SharedNet))
    {
        a = b = nn.Conv2d(2, 2, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => b.call(a.call(input));
}

/// <summary>Registers a child but keeps no reference to it, so its forward cannot be redirected.</summary>
internal sealed class HiddenChildNet : nn.Module<Tensor, Tensor>
{
    public HiddenChildNet() : base(nameof(HiddenChildNet)) => register_module("conv", nn.Conv2d(2, 2, 1));

    public override Tensor forward(Tensor input) => input;
}
