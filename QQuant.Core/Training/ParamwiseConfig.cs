namespace QQuant.Training;

/// <summary>
/// <c>optimizer.paramwiseCfg</c>: multipliers that split the model's parameters into groups. Quantizer parameters
/// (step sizes, offsets, clipping levels, DSQ's α and bounds) and normalisation layers get no weight decay by default,
/// since the papers tune those per bit width and decay pulls step sizes towards zero; set the multipliers to 1 for the
/// reference's single group.
/// </summary>
public sealed class ParamwiseConfig
{
    /// <summary>Weight-decay multiplier for quantizer parameters (default 0).</summary>
    public double QuantizerDecayMult { get; set; }

    /// <summary>Learning-rate multiplier for quantizer parameters (default 1).</summary>
    public double QuantizerLrMult { get; set; } = 1;

    /// <summary>Weight-decay multiplier for the weights and biases of normalisation layers (default 0).</summary>
    public double NormDecayMult { get; set; }

    /// <summary>Weight-decay multiplier for the biases of other layers (default 1).</summary>
    public double BiasDecayMult { get; set; } = 1;
}
