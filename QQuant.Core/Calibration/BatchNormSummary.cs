namespace QQuant;

/// <summary>What <see cref="BatchNormReestimation"/> did.</summary>
/// <param name="Layers">BatchNorm layers whose running statistics were re-estimated.</param>
/// <param name="Batches">Batches run through the model.</param>
public sealed record BatchNormSummary(int Layers, int Batches);
