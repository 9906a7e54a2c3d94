using static TorchSharp.torch;

namespace QQuant;

/// <summary>Resolves a float module type named in configuration: TorchSharp's layers by class name, then the registry's.</summary>
internal static class ModuleTypeNames
{
    private static readonly Lazy<Dictionary<string, Type>> TorchSharpModules = new(() =>
        typeof(nn.Module).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "TorchSharp.Modules" && typeof(nn.Module).IsAssignableFrom(t) && !t.IsGenericType)
            .GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase));

    public static Type? Resolve(string name, QuantLayerRegistry registry)
    {
        string bare = name.StartsWith("torch.nn.", StringComparison.Ordinal) ? name["torch.nn.".Length..]
            : name.StartsWith("nn.", StringComparison.Ordinal) ? name["nn.".Length..]
            : name;
        return registry.TryGetModuleType(bare, out Type? own) ? own
            : TorchSharpModules.Value.TryGetValue(bare, out Type? torch) ? torch
            : null;
    }

    public static IEnumerable<string> Known(QuantLayerRegistry registry) =>
        TorchSharpModules.Value.Keys.Concat(registry.ModuleTypes.Select(t => t.Name));
}
