using System.Text.Json.Nodes;

namespace QQuant.Samples;

/// <summary>What an exported classifier carries for inference without its config: the metadata keys and their values.</summary>
internal static class OnnxMetadata
{
    public static IReadOnlyDictionary<string, string> Of(ConfigDocument config, IReadOnlyList<string> classes, int inChannels, string checkpoint)
    {
        var metadata = new Dictionary<string, string>
        {
            [Vision.OnnxClassifier.ClassesKey] = new JsonArray([.. classes.Select(c => (JsonNode?)JsonValue.Create(c))]).ToJsonString(),
            [Vision.OnnxClassifier.InChannelsKey] = inChannels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["qquant.version"] = Checkpoint.CurrentQQuantVersion,
            ["qquant.checkpoint"] = checkpoint,
        };
        if (config.Section("data")?["test"]?["pipeline"] is { } pipeline)
        {
            metadata[Vision.OnnxClassifier.PipelineKey] = pipeline.ToJsonString();
        }

        if (config.Section("quantTransformer") is { } policy)
        {
            metadata["qquant.policy"] = policy.ToJsonString();
        }

        return metadata;
    }
}
