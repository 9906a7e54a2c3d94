namespace QQuant.Training;

/// <summary>The <c>optimizerConfig</c> section (the reference's OptimizerHook options).</summary>
public sealed class OptimizerStepConfig
{
    /// <summary>Gradient clipping, or null for none.</summary>
    public GradClipConfig? GradClip { get; set; }
}
