namespace QQuant;

/// <summary>
/// What a configuration entry naming a registered layer gets when it leaves something out: bits (otherwise
/// <c>w</c> and <c>a</c> are required) and option changes applied before the entry's own options.
/// </summary>
/// <param name="WeightBits">Weight bits when the entry gives none.</param>
/// <param name="ActivationBits">Input bits when the entry gives none.</param>
/// <param name="Options">Changes to the layer's default options, applied before the entry's keys.</param>
public sealed record QuantLayerDefaults(
    int? WeightBits = null,
    int? ActivationBits = null,
    Action<QuantLayerOptions>? Options = null);
