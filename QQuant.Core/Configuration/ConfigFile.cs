using Microsoft.Extensions.Configuration;

namespace QQuant;

/// <summary>Reads a JSON configuration file (a model, data and quantization config) with errors that name the file.</summary>
public static class ConfigFile
{
    /// <summary>
    /// Loads <paramref name="path"/> as configuration through <see cref="ConfigDocument"/>, so its <c>_base_</c> files
    /// are merged in and <paramref name="overrides"/> (<c>key.path=value</c>) are applied.
    /// </summary>
    /// <exception cref="ComponentConfigurationException">
    /// The file or one of its bases is missing or is not valid JSON, the bases are malformed or form a cycle, or an
    /// override does not fit; the message names the file and the key.
    /// </exception>
    public static IConfigurationRoot Load(string path, IEnumerable<string>? overrides = null)
    {
        string fullPath = Path.GetFullPath(path);
        try
        {
            return ConfigDocument.Load(fullPath, overrides).ToConfiguration();
        }
        catch (ConfigFileException e)
        {
            throw new ComponentConfigurationException(e.FilePath ?? fullPath, [e.KeyPath is null ? e.Problem : $"{e.KeyPath}: {e.Problem}"]);
        }
    }

    /// <summary>
    /// The child of <paramref name="config"/> whose key matches <paramref name="key"/> ignoring case and underscores
    /// (<c>quantTransformer</c> finds <c>quant_transformer</c>), or null when it is absent or empty.
    /// </summary>
    public static IConfigurationSection? Section(IConfiguration config, string key) =>
        config.GetChildren().FirstOrDefault(c => ConfigKeys.Normalize(c.Key) == ConfigKeys.Normalize(key)
                                                 && (c.Value is not null || c.GetChildren().Any()));
}
