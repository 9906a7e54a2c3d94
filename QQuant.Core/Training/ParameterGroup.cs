using TorchSharp.Modules;

namespace QQuant.Training;

/// <summary>One optimizer parameter group: its kind, its parameters' names, and its multipliers of the base values.</summary>
/// <param name="Kind">regular, bias, norm or quantizer.</param>
/// <param name="Names">The dotted names of its parameters, as <c>named_parameters()</c> gives them.</param>
/// <param name="Parameters">The parameters themselves.</param>
/// <param name="LrMult">The learning-rate multiplier the trainer applies at every iteration.</param>
/// <param name="DecayMult">The weight-decay multiplier, applied when the optimizer is built.</param>
public sealed record ParameterGroup(
    string Kind, IReadOnlyList<string> Names, IReadOnlyList<Parameter> Parameters, double LrMult, double DecayMult);
