using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="EightBit"/> scheme.</summary>
public record EightBitOptions : QuantLayerOptions
{
    /// <summary>
    /// The momentum of the input's running maximum (<see cref="RunningMaxAbsQuantizer"/>): the weight of each training
    /// batch's maximum, in (0, 1]. Default 0.1.
    /// </summary>
    public double InputMomentum { get; set; } = RunningMaxAbsQuantizer.DefaultMomentum;
}
