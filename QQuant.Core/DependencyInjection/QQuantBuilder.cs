using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using QQuant.Export;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Composes QQuant in a service collection: what <c>services.AddQQuant()</c> returns. Packages add their parts
/// through extension methods on it (<c>.AddQuantizers()</c> from QQuant.Quantizers).
/// </summary>
public sealed class QQuantBuilder
{
    internal QQuantBuilder(IServiceCollection services, QuantLayerRegistry layers, ComponentRegistry components, OnnxEmitterRegistry emitters)
    {
        Services = services;
        Layers = layers;
        Components = components;
        OnnxEmitters = emitters;
    }

    /// <summary>The service collection being composed.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The layer registry, also registered as a singleton.</summary>
    public QuantLayerRegistry Layers { get; }

    /// <summary>
    /// The registry of configurable components (backbones, heads, datasets, transforms, ...), also registered as a
    /// singleton. Packages fill it (<c>.AddVision()</c>); add your own with <see cref="AddComponent{TKind, TOptions}"/>.
    /// </summary>
    public ComponentRegistry Components { get; }

    /// <summary>The ONNX emitters exports use (TorchSharp's layers and QQuant's quantized layers to start with), also registered as a singleton.</summary>
    public OnnxEmitterRegistry OnnxEmitters { get; }

    /// <summary>Registers an ONNX emitter for a module type of your own (or replaces the built-in one for that type).</summary>
    public QQuantBuilder AddOnnxEmitter(IOnnxEmitter emitter)
    {
        OnnxEmitters.Add(emitter);
        return this;
    }

    /// <summary>
    /// Registers a component of your own so configurations can build it by <paramref name="type"/> name (or replaces
    /// a built-in one of the same kind and name).
    /// </summary>
    public QQuantBuilder AddComponent<TKind, TOptions>(string type, Func<TOptions, TKind> create)
        where TKind : class
        where TOptions : class, new()
    {
        Components.Add(type, create);
        return this;
    }

    /// <summary>
    /// Registers a scheme of your own under its name (and the names it registers itself) for configuration-driven
    /// policies: <c>"type": "MyQuant"</c>.
    /// </summary>
    public QQuantBuilder AddScheme<TScheme>()
        where TScheme : QuantScheme, IQuantLayerType
    {
        Layers.AddScheme<TScheme>();
        return this;
    }

    /// <summary>
    /// Registers a quantized layer class of your own, a scheme or a scheme's per-layer name under
    /// <paramref name="name"/> for configuration-driven policies.
    /// </summary>
    public QQuantBuilder AddQuantLayer<TLayer>(string name, QuantLayerDefaults? defaults = null)
        where TLayer : IQuantLayerType
    {
        Layers.Add<TLayer>(name, defaults);
        return this;
    }

    /// <summary>
    /// Binds a policy from <paramref name="section"/> as the options <see cref="QuantPolicyOptions"/> named
    /// <paramref name="name"/> (the default options when null). The unnamed one is also registered as the singleton
    /// <see cref="QuantPolicy"/>. Binding errors surface when the options are first resolved (or at host start-up).
    /// </summary>
    public QQuantBuilder AddPolicy(IConfiguration section, string? name = null)
    {
        Services.AddOptions<QuantPolicyOptions>(string.IsNullOrEmpty(name) ? Options.DefaultName : name)
            .Configure<QuantLayerRegistry>((options, registry) =>
                options.Policy = QuantPolicy.FromConfiguration(section, registry))
            .ValidateOnStart();
        if (string.IsNullOrEmpty(name))
        {
            Services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<QuantPolicyOptions>>().Value.Policy!);
        }

        return this;
    }
}
