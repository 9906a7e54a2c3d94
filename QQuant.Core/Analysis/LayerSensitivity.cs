namespace QQuant.Analysis;

/// <summary>What one quantized layer costs on its own, and what leaving it float wins back.</summary>
/// <param name="Name">The layer's dotted path.</param>
/// <param name="OnlyThisQuantized">The float model with only this layer replaced by its quantized twin.</param>
/// <param name="AllButThisQuantized">The quantized model with only this layer replaced by its float twin.</param>
public sealed record LayerSensitivity(string Name, SensitivityScore OnlyThisQuantized, SensitivityScore AllButThisQuantized);
