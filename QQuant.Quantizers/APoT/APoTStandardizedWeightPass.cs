using QQuant;
using static TorchSharp.torch;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// APoT's and the uniform grid's weights as a pass over the weight itself: each row (output channel, or the whole
/// tensor) is standardised with its mean (or only scaled, when not centred) and unbiased standard deviation (a
/// deviation of 0 acts as 1, and is then a constant), then rounded on its grid. The backward makes two passes: the
/// grid's (the gradient of the standardised weight, and the row sums for α and for the standardisation), then the
/// standardisation's, in place.
/// </summary>
internal sealed class APoTStandardizedWeightPass : QuantizationPass
{
    private readonly APoTStandardizedGridRule[] _rules;
    private readonly float[] _mean, _std;
    private readonly bool[] _spread;
    private readonly bool _centered;
    private readonly FusedParameter _alpha;

    /// <param name="grids">Each row's grid rule (its α).</param>
    /// <param name="mean">Each row's mean, as the composed path computes it.</param>
    /// <param name="std">Each row's unbiased standard deviation, as the composed path computes it.</param>
    /// <param name="centered">Whether the mean is subtracted before the division.</param>
    /// <param name="alpha">α and its factors.</param>
    public APoTStandardizedWeightPass(APoTGridRule[] grids, float[] mean, float[] std, bool centered, FusedParameter alpha)
    {
        _spread = [.. std.Select(s => s > 0)];
        (_mean, _std, _centered, _alpha) = (mean, [.. std.Select(s => s > 0 ? s : 1)], centered, alpha);
        _rules = [.. grids.Select((grid, row) => new APoTStandardizedGridRule(grid, centered ? _mean[row] : 0, _std[row]))];
        Parameters = [alpha.Parameter];
    }

    /// <inheritdoc />
    public override IReadOnlyList<Tensor> Parameters { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => ElementwiseKernel.Forward(input, _rules);

    /// <inheritdoc />
    public override (Tensor? Input, IReadOnlyList<Tensor> Parameters) Backward(Tensor input, Tensor gradient, bool inputNeedsGradient)
    {
        Tensor? inputGradient = inputNeedsGradient ? empty_like(input) : null;
        double[][] sums = ElementwiseKernel.Backward(input, gradient, inputGradient, _rules);
        if (inputGradient is not null)
        {
            double columns = input.numel() / _rules.Length;
            var standardizations = new APoTStandardizationRule[_rules.Length];
            for (int row = 0; row < standardizations.Length; row++)
            {
                float slope = _spread[row] ? (float)(sums[2][row] / (columns - 1)) : 0;
                float gradientMean = _centered ? (float)(sums[1][row] / columns) : 0;
                standardizations[row] = new APoTStandardizationRule(_centered ? _mean[row] : 0, _mean[row], _std[row], gradientMean, slope);
            }

            ElementwiseKernel.Backward(input, inputGradient, inputGradient, standardizations);
        }

        return (inputGradient, [_alpha.Gradient(sums[0], input.device)]);
    }
}
