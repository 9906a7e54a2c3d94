using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Properties;

/// <summary>The 14 layers as pairs of one algorithm, small models to quantize with them, and module look-ups.</summary>
internal static class PropertySupport
{
    /// <summary>The algorithm families, each with a conv and a linear layer.</summary>
    public static readonly string[] Families = ["LSQ", "LSQPlus", "DSQ", "DoReFa", "PACT", "APoT", "Uniform"];

    /// <summary>
    /// The fluent policy <c>For&lt;Conv2d&gt;().Use&lt;XConv&gt;(w, a).For&lt;Linear&gt;().Use&lt;XLinear&gt;(w, a)</c> of
    /// <paramref name="family"/>, with <paramref name="configure"/> applied to both layers' options.
    /// </summary>
    public static QuantPolicyBuilder Pair(string family, int w, int a, Action<QuantLayerOptions>? configure = null) => family switch
    {
        "LSQ" => QuantPolicy.For<Conv2d>().Use<LSQConv>(w, a, configure).For<Linear>().Use<LSQLinear>(w, a, configure),
        "LSQPlus" => QuantPolicy.For<Conv2d>().Use<LSQPlusConv>(w, a, configure).For<Linear>().Use<LSQPlusLinear>(w, a, configure),
        "DSQ" => QuantPolicy.For<Conv2d>().Use<DSQConv>(w, a, configure).For<Linear>().Use<DSQLinear>(w, a, configure),
        "DoReFa" => QuantPolicy.For<Conv2d>().Use<DoReFaConv>(w, a, configure).For<Linear>().Use<DoReFaLinear>(w, a, configure),
        "PACT" => QuantPolicy.For<Conv2d>().Use<PACTConv>(w, a, configure).For<Linear>().Use<PACTLinear>(w, a, configure),
        "APoT" => QuantPolicy.For<Conv2d>().Use<APoTConv>(w, a, configure).For<Linear>().Use<APoTLinear>(w, a, configure),
        "Uniform" => QuantPolicy.For<Conv2d>().Use<UniformConv>(w, a, configure).For<Linear>().Use<UniformLinear>(w, a, configure),
        _ => throw new ArgumentException(family),
    };

    /// <summary>The conv and linear layer types of <paramref name="family"/>.</summary>
    public static (Type Conv, Type Linear) Types(string family) => family switch
    {
        "LSQ" => (typeof(LSQConv), typeof(LSQLinear)),
        "LSQPlus" => (typeof(LSQPlusConv), typeof(LSQPlusLinear)),
        "DSQ" => (typeof(DSQConv), typeof(DSQLinear)),
        "DoReFa" => (typeof(DoReFaConv), typeof(DoReFaLinear)),
        "PACT" => (typeof(PACTConv), typeof(PACTLinear)),
        "APoT" => (typeof(APoTConv), typeof(APoTLinear)),
        "Uniform" => (typeof(UniformConv), typeof(UniformLinear)),
        _ => throw new ArgumentException(family),
    };

    /// <summary>The descriptor of each of the 14 layers, by class name.</summary>
    public static readonly IReadOnlyDictionary<string, QuantLayerDescriptor> Layers = new[]
    {
        QuantLayerDescriptor.Of<LSQConv>(), QuantLayerDescriptor.Of<LSQLinear>(),
        QuantLayerDescriptor.Of<LSQPlusConv>(), QuantLayerDescriptor.Of<LSQPlusLinear>(),
        QuantLayerDescriptor.Of<DSQConv>(), QuantLayerDescriptor.Of<DSQLinear>(),
        QuantLayerDescriptor.Of<DoReFaConv>(), QuantLayerDescriptor.Of<DoReFaLinear>(),
        QuantLayerDescriptor.Of<PACTConv>(), QuantLayerDescriptor.Of<PACTLinear>(),
        QuantLayerDescriptor.Of<APoTConv>(), QuantLayerDescriptor.Of<APoTLinear>(),
        QuantLayerDescriptor.Of<UniformConv>(), QuantLayerDescriptor.Of<UniformLinear>(),
    }.ToDictionary(d => d.Name);

    /// <summary>
    /// The fluent one-rule policy <c>For&lt;Conv2d or Linear&gt;().Use&lt;TLayer&gt;(w, a, configure)</c> for the layer
    /// named <paramref name="layer"/>.
    /// </summary>
    public static QuantPolicyBuilder Single(string layer, int w, int a, Action<QuantLayerOptions>? configure = null) => layer switch
    {
        nameof(LSQConv) => QuantPolicy.For<Conv2d>().Use<LSQConv>(w, a, configure),
        nameof(LSQLinear) => QuantPolicy.For<Linear>().Use<LSQLinear>(w, a, configure),
        nameof(LSQPlusConv) => QuantPolicy.For<Conv2d>().Use<LSQPlusConv>(w, a, configure),
        nameof(LSQPlusLinear) => QuantPolicy.For<Linear>().Use<LSQPlusLinear>(w, a, configure),
        nameof(DSQConv) => QuantPolicy.For<Conv2d>().Use<DSQConv>(w, a, configure),
        nameof(DSQLinear) => QuantPolicy.For<Linear>().Use<DSQLinear>(w, a, configure),
        nameof(DoReFaConv) => QuantPolicy.For<Conv2d>().Use<DoReFaConv>(w, a, configure),
        nameof(DoReFaLinear) => QuantPolicy.For<Linear>().Use<DoReFaLinear>(w, a, configure),
        nameof(PACTConv) => QuantPolicy.For<Conv2d>().Use<PACTConv>(w, a, configure),
        nameof(PACTLinear) => QuantPolicy.For<Linear>().Use<PACTLinear>(w, a, configure),
        nameof(APoTConv) => QuantPolicy.For<Conv2d>().Use<APoTConv>(w, a, configure),
        nameof(APoTLinear) => QuantPolicy.For<Linear>().Use<APoTLinear>(w, a, configure),
        nameof(UniformConv) => QuantPolicy.For<Conv2d>().Use<UniformConv>(w, a, configure),
        nameof(UniformLinear) => QuantPolicy.For<Linear>().Use<UniformLinear>(w, a, configure),
        _ => throw new ArgumentException(layer),
    };

    /// <summary>True when the layer converts <see cref="Conv2d"/> (the seven conv layers).</summary>
    public static bool IsConv(string layer) => Layers[layer].ConvertsFrom.Contains(typeof(Conv2d));

    /// <summary>
    /// <c>Sequential(conv: Conv2d(3, 4, 3), relu, flatten, fc: Linear(64, 3))</c> for 3×6×6 images, its weights drawn
    /// with <paramref name="seed"/>.
    /// </summary>
    public static Sequential SmallModel(long seed)
    {
        Sequential model = nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3)),
            ("relu", nn.ReLU()),
            ("flatten", nn.Flatten()),
            ("fc", nn.Linear(4 * 4 * 4, 3)));
        Reseed(model, seed);
        return model;
    }

    /// <summary>
    /// Overwrites every parameter from a private generator: tests run in parallel, so the global seed is not
    /// reproducible.
    /// </summary>
    public static void Reseed(nn.Module model, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var parameter in model.parameters())
        {
            using Tensor values = randn(parameter.shape, generator: generator) * 0.3;
            parameter.copy_(values);
        }
    }

    /// <summary>A batch of images of both signs for <see cref="SmallModel"/>.</summary>
    public static Tensor Images(ulong seed, long batch = 4)
    {
        using var generator = new Generator(seed);
        return randn([batch, 3, 6, 6], generator: generator);
    }

    /// <summary>The module at <paramref name="path"/> (a dotted name as <c>named_modules</c> reports it).</summary>
    public static nn.Module At(nn.Module model, string path) =>
        model.named_modules().Single(m => m.name == path).module;

    /// <summary>The quantized layer at <paramref name="path"/>.</summary>
    public static QuantizedLayer LayerAt(nn.Module model, string path) => Assert.IsAssignableFrom<QuantizedLayer>(At(model, path));
}
