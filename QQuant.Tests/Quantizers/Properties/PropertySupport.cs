using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Properties;

/// <summary>
/// The registered schemes (from <c>AddQuantizers()</c>, so a new scheme is covered without editing the tests), each
/// with its conv and linear layer names, small models to quantize with them, and module look-ups.
/// </summary>
internal static class PropertySupport
{
    /// <summary>The registry every property test reads its schemes from.</summary>
    public static readonly QuantLayerRegistry Registry = new QuantLayerRegistry().AddQuantizers();

    /// <summary>
    /// The low-bit schemes the property tests cover: every registered scheme except the 8-bit one, which
    /// EightBitLayerTests covers with its own limits (its weight grid needs 2 bits, its input keeps a running maximum).
    /// </summary>
    public static readonly string[] Families = [.. Registry.Schemes.Select(s => s.Name).Where(n => n != EightBit.Instance.Name)];

    /// <summary>
    /// The fluent policy <c>For&lt;Conv2d&gt;().Use&lt;XConv&gt;(w, a).For&lt;Linear&gt;().Use&lt;XLinear&gt;(w, a)</c> of
    /// <paramref name="family"/>, with <paramref name="configure"/> applied to both layers' options.
    /// </summary>
    public static QuantPolicyBuilder Pair(string family, int w, int a, Action<QuantLayerOptions>? configure = null) =>
        QuantPolicy.Create()
            .For(typeof(Conv2d), Target(Types(family).Conv, w, a, configure))
            .For(typeof(Linear), Target(Types(family).Linear, w, a, configure));

    /// <summary>The registered conv and linear layer names of <paramref name="family"/> (<c>LSQConv</c>, <c>LSQLinear</c>).</summary>
    public static (string Conv, string Linear) Types(string family)
    {
        QuantScheme scheme = Registry.Schemes.Single(s => s.Name == family);
        return (scheme.LayerName(typeof(Conv2d)), scheme.LayerName(typeof(Linear)));
    }

    /// <summary>The descriptor of each conv and linear layer name of <see cref="Families"/>, by name.</summary>
    public static readonly IReadOnlyDictionary<string, QuantLayerDescriptor> Layers = Families
        .SelectMany(f => new[] { Types(f).Conv, Types(f).Linear })
        .ToDictionary(name => name, name => Registration(name).Layer);

    /// <summary>
    /// The fluent one-rule policy <c>For&lt;Conv2d or Linear&gt;().Use&lt;TLayer&gt;(w, a, configure)</c> for the layer
    /// named <paramref name="layer"/>.
    /// </summary>
    public static QuantPolicyBuilder Single(string layer, int w, int a, Action<QuantLayerOptions>? configure = null) =>
        QuantPolicy.Create().For(IsConv(layer) ? typeof(Conv2d) : typeof(Linear), Target(layer, w, a, configure));

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

    private static QuantLayerRegistration Registration(string name) =>
        Registry.TryGet(name, out QuantLayerRegistration? registration) ? registration : throw new ArgumentException(name);

    // What Use<TLayer>(w, a, configure) builds, for the layer registered under name.
    private static QuantTarget Target(string name, int w, int a, Action<QuantLayerOptions>? configure)
    {
        QuantLayerDescriptor layer = Registration(name).Layer;
        QuantLayerOptions options = layer.CreateOptions();
        configure?.Invoke(options);
        return QuantTarget.Quantize(layer, new QuantLayerSettings(w, a, options));
    }
}
