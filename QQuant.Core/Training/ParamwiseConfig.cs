namespace QQuant.Training;

/// <summary>
/// <c>optimizer.paramwiseCfg</c>: multipliers that split the model's parameters into groups. Quantizer parameters
/// get their method's decay by default (none for step sizes, offsets and DSQ's α and bounds, since decay pulls them
/// towards zero; the weights' decay for PACT's clip α, as in the paper), and normalisation layers none; set the
/// multipliers to 1 for the reference's single group.
/// </summary>
public sealed class ParamwiseConfig
{
    /// <summary>
    /// Weight-decay multiplier for every quantizer parameter, or null (the default) for each quantizer's method default,
    /// <see cref="Quantizer.DefaultDecayMult"/> (1 for PACT's α, 0 for the others).
    /// </summary>
    public double? QuantizerDecayMult { get; set; }

    /// <summary>Learning-rate multiplier for quantizer parameters (default 1).</summary>
    public double QuantizerLrMult { get; set; } = 1;

    /// <summary>Weight-decay multiplier for the weights and biases of normalisation layers (default 0).</summary>
    public double NormDecayMult { get; set; }

    /// <summary>Weight-decay multiplier for the biases of other layers (default 1).</summary>
    public double BiasDecayMult { get; set; } = 1;
}
