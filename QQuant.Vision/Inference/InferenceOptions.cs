using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>How <see cref="ClassifierFactory.OpenForInference(string, string?, InferenceOptions?)"/> prepares a model.</summary>
public sealed class InferenceOptions
{
    /// <summary>Where the model runs (default: the CPU).</summary>
    public Device? Device { get; set; }

    /// <summary>
    /// Whether every key of the checkpoint must match the model (default true): a missing quantizer state would make
    /// evaluation fail later, so it is better reported now.
    /// </summary>
    public bool Strict { get; set; } = true;

    /// <summary>Class names to use instead of the checkpoint's <c>CLASSES</c>.</summary>
    public IReadOnlyList<string>? Classes { get; set; }

    /// <summary>Receives the warnings (ImageNet names used as a fallback, keys that did not load when not strict).</summary>
    public ILogger? Logger { get; set; }
}
