using Microsoft.Extensions.DependencyInjection;

namespace QQuant;

/// <summary>Adds QQuant to a service collection.</summary>
public static class QQuantServiceCollectionExtensions
{
    /// <summary>
    /// Registers QQuant's core services (the <see cref="QuantLayerRegistry"/> singleton) and returns the builder that
    /// adds quantizers, layers and policies. Calling it again returns a builder over the same registry.
    /// </summary>
    public static QQuantBuilder AddQQuant(this IServiceCollection services)
    {
        var registry = services
            .Where(d => d.ServiceType == typeof(QuantLayerRegistry) && !d.IsKeyedService)
            .Select(d => d.ImplementationInstance)
            .OfType<QuantLayerRegistry>()
            .FirstOrDefault();
        if (registry is null)
        {
            registry = new QuantLayerRegistry();
            services.AddSingleton(registry);
            services.AddOptions();
        }

        return new QQuantBuilder(services, registry);
    }
}
