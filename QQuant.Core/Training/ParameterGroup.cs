using TorchSharp.Modules;

namespace QQuant.Training;

/// <summary>One optimizer parameter group: its kind, its parameters' names, and its multipliers of the base values.</summary>
/// <param name="Kind">regular, bias, norm or quantizer.</param>
/// <param name="Names">The dotted names of its parameters, as <c>named_parameters()</c> gives them.</param>
/// <param name="Parameters">The parameters themselves.</param>
/// <param name="LrMult">The learning-rate multiplier the trainer applies at every iteration.</param>
/// <param name="DecayMult">The weight-decay multiplier, applied when the optimizer is built.</param>
public sealed record ParameterGroup(
    string Kind, IReadOnlyList<string> Names, IReadOnlyList<Parameter> Parameters, double LrMult, double DecayMult)
{
    /// <summary>The kind of the weights of ordinary layers.</summary>
    public const string Regular = "regular";

    /// <summary>The kind of the biases of ordinary layers.</summary>
    public const string Bias = "bias";

    /// <summary>The kind of the weights and biases of normalisation layers.</summary>
    public const string Norm = "norm";

    /// <summary>The kind of the parameters of quantizer modules.</summary>
    public const string Quantizer = "quantizer";
}
