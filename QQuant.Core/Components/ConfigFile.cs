using Microsoft.Extensions.Configuration;

namespace QQuant;

/// <summary>Reads a JSON configuration file (a model, data and quantization config) with errors that name the file.</summary>
public static class ConfigFile
{
    /// <summary>Loads <paramref name="path"/> as configuration.</summary>
    /// <exception cref="ComponentConfigurationException">The file is missing or is not valid JSON.</exception>
    public static IConfigurationRoot Load(string path)
    {
        string fullPath = Path.GetFullPath(path);
        try
        {
            return new ConfigurationBuilder().AddJsonFile(fullPath, optional: false).Build();
        }
        catch (Exception e) when (e is FileNotFoundException or FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new ComponentConfigurationException(fullPath, [e.Message]);
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
