namespace QQuant.Analysis;

/// <summary>How the two models' outputs (logits) agree over the analysed inputs.</summary>
/// <param name="Samples">The number of inputs (rows of the output).</param>
/// <param name="Top1Agreement">The percentage of inputs whose highest logit is the same class in both models.</param>
/// <param name="SoftmaxKlBits">
/// The mean over inputs of <c>Σ p·log2(p/q)</c>, p the float model's softmax and q the quantized model's (exact, from
/// log-softmax; no histogram).
/// </param>
public sealed record OutputComparison(long Samples, double Top1Agreement, double SoftmaxKlBits);
