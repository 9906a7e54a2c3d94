using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>The exact KL divergence between two models' softmax outputs, summed over rows of logits.</summary>
internal static class SoftmaxDivergence
{
    /// <summary>The log-softmax of one row of logits per input, in float64.</summary>
    public static Tensor LogProbabilities(Tensor logits) => logits.to(float64).log_softmax(1);

    /// <summary><c>Σ_rows Σ p·(log p − log q)</c> in nats, from log-probabilities.</summary>
    public static double SumNats(Tensor logP, Tensor logQ) => (logP.exp() * (logP - logQ)).sum().item<double>();

    /// <summary>A sum of per-row KL divergences in nats as the mean per row in bits.</summary>
    public static double MeanBits(double sumNats, long rows) => sumNats / rows / Math.Log(2);
}
