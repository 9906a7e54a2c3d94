using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using QQuant.Vision;

namespace QQuant.Samples;

/// <summary>The composition every command uses: QQuant's registries, the built-in quantizers and the vision components.</summary>
internal static class CliServices
{
    public static ServiceProvider Create() =>
        new ServiceCollection().AddQQuant().AddQuantizers().AddVision().Services.BuildServiceProvider();
}
