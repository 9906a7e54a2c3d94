using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="Dsq"/> scheme.</summary>
public record DsqOptions : QuantLayerOptions
{
    /// <summary>The starting value of the learnable characteristic variable α, in (0, 0.5). Default 0.2.</summary>
    public double InitialAlpha { get; set; } = 0.2;

    /// <summary>
    /// How the input's bounds start from data: the bounds with the least squared quantization error on a sample
    /// (<see cref="RangeInitialization.Mse"/>, the default: at 2 bits the data's range leaves most values on the lowest
    /// level and the model starts at chance) or the data's range (<see cref="RangeInitialization.MinMax"/>).
    /// </summary>
    public RangeInitialization ActivationInit { get; set; } = RangeInitialization.Mse;

    /// <summary>How the weight's bounds start: the least squared quantization error (default), or the weight's range.</summary>
    public RangeInitialization WeightInit { get; set; } = RangeInitialization.Mse;
}
