using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of schemes with a learned clipping level for their input: <see cref="Pact"/>, <see cref="Uniform"/> (and <see cref="APoT"/>, through <see cref="APoTOptions"/>).</summary>
public record ClipOptions : QuantLayerOptions
{
    /// <summary>
    /// The input's starting clipping level, or null (the default) to take it from data:
    /// <c>min(max|x|, mean|x| + 3·std|x|)</c> of the first training batch or of the calibration batches.
    /// </summary>
    public double? InitialClip { get; set; }
}
