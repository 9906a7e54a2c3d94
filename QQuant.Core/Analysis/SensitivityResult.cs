namespace QQuant.Analysis;

/// <summary>Per-layer sensitivity, the layers that hurt most first, with the two whole models for reference.</summary>
/// <param name="Float">The float model.</param>
/// <param name="Quantized">The quantized model.</param>
/// <param name="Layers">
/// One entry per quantized layer, sorted by the damage the layer does alone: lowest top-1 first when labels were
/// given (ties, and every layer without labels, by the largest KL divergence).
/// </param>
public sealed record SensitivityResult(SensitivityScore Float, SensitivityScore Quantized, IReadOnlyList<LayerSensitivity> Layers);
