using Microsoft.Extensions.Configuration;

namespace QQuant.Vision;

/// <summary>Builds a pipeline from a configuration list of <c>{ "type": ..., options }</c> entries.</summary>
public static class PipelineConfiguration
{
    /// <summary>
    /// Builds each entry of <paramref name="pipeline"/> (the list itself, e.g. <c>data:test:pipeline</c>) as an
    /// <see cref="ITransform"/> and returns them as one <see cref="Compose"/>.
    /// </summary>
    /// <exception cref="ComponentConfigurationException">Every problem of every entry, each with its key path.</exception>
    public static Compose BuildPipeline(this ComponentRegistry registry, IConfiguration pipeline)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(pipeline);
        var transforms = new List<ITransform>();
        var problems = new List<string>();
        IEnumerable<IConfigurationSection> entries = pipeline.GetChildren()
            .OrderBy(e => int.TryParse(e.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i) ? i : int.MaxValue);
        foreach (IConfigurationSection entry in entries)
        {
            try
            {
                transforms.Add(registry.Build<ITransform>(entry));
            }
            catch (ComponentConfigurationException e)
            {
                problems.AddRange(e.Problems);
            }
        }

        string where = pipeline is IConfigurationSection section ? $"'{section.Path}'" : "the pipeline";
        if (problems.Count > 0)
        {
            throw new ComponentConfigurationException(where, problems);
        }

        if (transforms.Count == 0)
        {
            throw new ComponentConfigurationException(where, [$"{where}: the pipeline list is empty or missing."]);
        }

        return new Compose(transforms);
    }
}
