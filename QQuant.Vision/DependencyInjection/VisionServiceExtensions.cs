using Microsoft.Extensions.DependencyInjection.Extensions;

namespace QQuant.Vision;

/// <summary>Adds QQuant.Vision's components to a QQuant composition.</summary>
public static class VisionServiceExtensions
{
    /// <summary>
    /// Registers the classifiers, backbones, necks, heads, losses, datasets and transforms under the reference's
    /// <c>type</c> names (<c>services.AddQQuant().AddVision()</c>), so configurations can build them, and the
    /// <see cref="ClassifierFactory"/> that builds classifiers from configs and opens them for inference, and the
    /// <see cref="ClassifierTrainer"/> that trains them from configs, the <see cref="ClassifierTester"/> and the
    /// <see cref="Analysis.ClassifierAnalyzer"/>.
    /// </summary>
    public static QQuantBuilder AddVision(this QQuantBuilder builder)
    {
        builder.Components.AddVision();
        builder.Services.TryAddSingleton<ClassifierFactory>();
        builder.Services.TryAddSingleton<ClassifierTrainer>();
        builder.Services.TryAddSingleton<ClassifierTester>();
        builder.Services.TryAddSingleton<Analysis.ClassifierAnalyzer>();
        return builder;
    }

    /// <summary>Registers QQuant.Vision's components into <paramref name="registry"/> (without dependency injection).</summary>
    public static ComponentRegistry AddVision(this ComponentRegistry registry)
    {
        ModelRegistrations.Register(registry);
        BackboneRegistrations.Register(registry);
        DatasetRegistrations.Register(registry);
        TransformRegistrations.Register(registry);
        return registry;
    }
}
