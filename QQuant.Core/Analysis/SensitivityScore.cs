namespace QQuant.Analysis;

/// <summary>How well a model variant does on the analysed inputs.</summary>
/// <param name="Top1">Top-1 accuracy in percent against the labels; NaN when no labels were given.</param>
/// <param name="KlBits">The mean softmax KL divergence (bits) of the float model's output against the variant's.</param>
public sealed record SensitivityScore(double Top1, double KlBits);
