using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="LsqPlus"/> scheme.</summary>
public record LsqPlusOptions : LsqOptions
{
    /// <summary>Learn an offset for the input (the paper's asymmetric activations). Weights never have one. Default true.</summary>
    [ReferenceKey("add_offset")]
    public bool LearnOffset { get; set; } = true;

    /// <summary>
    /// How the input's step and offset start: by minimising the quantization's mean squared error on a sample of the
    /// data (<see cref="RangeInitialization.Mse"/>, the paper's initialisation and the default) or from the data's range
    /// (<see cref="RangeInitialization.MinMax"/>). Both on the first training batch and in calibration. Weights keep
    /// the paper's mean and deviation formula.
    /// </summary>
    public RangeInitialization ActivationInit { get; set; } = RangeInitialization.Mse;
}
