using QQuant.Analysis;
using static TorchSharp.torch;

namespace QQuant.Vision.Analysis;

/// <summary>
/// What <see cref="ClassifierAnalyzer"/> compares: a float classifier and its quantized twin, each a config and a
/// checkpoint, on images or on a dataset's val split.
/// </summary>
/// <param name="FloatConfig">The float model's config.</param>
/// <param name="FloatCheckpoint">The float model's checkpoint (a QQuant checkpoint or a state-dict file).</param>
/// <param name="QuantizedConfig">The quantized model's config (with its <c>quantTransformer</c>).</param>
/// <param name="QuantizedCheckpoint">The quantized model's checkpoint.</param>
public sealed record AnalysisRequest(ConfigDocument FloatConfig, string FloatCheckpoint, ConfigDocument QuantizedConfig, string QuantizedCheckpoint)
{
    /// <summary>Image files, put through the quantized config's test pipeline and fed to both models as one batch.</summary>
    public IReadOnlyList<string> Images { get; init; } = [];

    /// <summary>A config whose <c>data.val</c> split is analysed instead of <see cref="Images"/>, or null.</summary>
    public ConfigDocument? Data { get; init; }

    /// <summary>How many images of the val split to use (the first ones).</summary>
    public int Samples { get; init; } = 64;

    /// <summary>Where the models run; null for the CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>Also measure per-layer sensitivity (two forward passes over the inputs per quantized layer).</summary>
    public bool Sensitivity { get; init; } = true;

    /// <summary>
    /// Told of the per-layer sensitivity's progress, layer by layer (<see cref="SensitivityAnalysis.Measure"/>'s
    /// <c>sensitivity</c> stage), or null (the default) for no reports.
    /// </summary>
    public IProgress<ProgressStep>? Progress { get; init; }
}
