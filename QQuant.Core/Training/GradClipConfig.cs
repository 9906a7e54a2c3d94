namespace QQuant.Training;

/// <summary><c>optimizerConfig.gradClip</c>: clip the global gradient norm before each step.</summary>
public sealed class GradClipConfig
{
    /// <summary>The largest allowed norm of all gradients together.</summary>
    public double MaxNorm { get; set; } = 35;

    /// <summary>The norm's order (2 for Euclidean).</summary>
    public double NormType { get; set; } = 2;
}
