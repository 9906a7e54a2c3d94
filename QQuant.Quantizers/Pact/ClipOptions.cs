using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of schemes with a learned clipping level for their input: <see cref="Pact"/>, <see cref="Uniform"/> (and <see cref="APoT"/>, through <see cref="APoTOptions"/>).</summary>
public record ClipOptions : QuantLayerOptions
{
    /// <summary>
    /// The input's starting clipping level, or null (the default) to take it from data (<see cref="ActivationInit"/>)
    /// of the first training batch or of the calibration batches.
    /// </summary>
    public double? InitialClip { get; set; }

    /// <summary>
    /// How the input's clip starts from data when <see cref="InitialClip"/> is null: the least squared quantization
    /// error on the layer's own grid (<see cref="ClipInitialization.Mse"/>, the default) or the spread of the data
    /// (<see cref="ClipInitialization.MeanStd"/>).
    /// </summary>
    public ClipInitialization ActivationInit { get; set; } = ClipInitialization.Mse;
}
