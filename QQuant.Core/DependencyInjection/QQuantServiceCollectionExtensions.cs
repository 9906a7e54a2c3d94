using Microsoft.Extensions.DependencyInjection;
using QQuant.Export;

namespace QQuant;

/// <summary>Adds QQuant to a service collection.</summary>
public static class QQuantServiceCollectionExtensions
{
    /// <summary>
    /// Registers QQuant's core services (the <see cref="QuantLayerRegistry"/>, <see cref="ComponentRegistry"/> and
    /// <see cref="OnnxEmitterRegistry"/> singletons) and returns the builder that adds quantizers, layers, components and policies. Calling it again
    /// returns a builder over the same registries.
    /// </summary>
    public static QQuantBuilder AddQQuant(this IServiceCollection services)
    {
        QuantLayerRegistry? layers = Existing<QuantLayerRegistry>(services);
        if (layers is null)
        {
            layers = new QuantLayerRegistry();
            services.AddSingleton(layers);
            services.AddOptions();
        }

        ComponentRegistry? components = Existing<ComponentRegistry>(services);
        if (components is null)
        {
            components = new ComponentRegistry();
            services.AddSingleton(components);
        }

        OnnxEmitterRegistry? emitters = Existing<OnnxEmitterRegistry>(services);
        if (emitters is null)
        {
            emitters = OnnxEmitterRegistry.CreateDefault();
            services.AddSingleton(emitters);
        }

        return new QQuantBuilder(services, layers, components, emitters);
    }

    private static T? Existing<T>(IServiceCollection services) where T : class =>
        services
            .Where(d => d.ServiceType == typeof(T) && !d.IsKeyedService)
            .Select(d => d.ImplementationInstance)
            .OfType<T>()
            .FirstOrDefault();
}
