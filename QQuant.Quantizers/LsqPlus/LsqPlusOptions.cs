using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="LsqPlus"/> scheme.</summary>
public record LsqPlusOptions : LsqOptions
{
    /// <summary>Learn an offset for the input (the paper's asymmetric activations). Weights never have one. Default true.</summary>
    [ReferenceKey("add_offset")]
    public bool LearnOffset { get; set; } = true;

    /// <summary>
    /// How the input's step and offset start: from the data's range (<see cref="LsqPlusInitialization.MinMax"/>, the
    /// default) or by minimising the quantization's mean squared error on a sample of the data
    /// (<see cref="LsqPlusInitialization.Mse"/>, the paper's initialisation). Both on the first training batch and in
    /// calibration. Weights keep the paper's mean and deviation formula.
    /// </summary>
    public LsqPlusInitialization ActivationInit { get; set; } = LsqPlusInitialization.MinMax;
}
