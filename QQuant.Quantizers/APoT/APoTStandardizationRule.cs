using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// A row's standardisation <c>t = (x − μ) / σ</c> (μ its mean, σ its unbiased standard deviation), and the gradient
/// through it from the gradient <c>g</c> of t: <c>(g − mean g − t · Σ(g·t) / (n − 1)) / σ</c>, the last term being
/// σ's share. The two reductions come from the pass before (<see cref="APoTStandardizedGridRule"/>'s sums).
/// </summary>
internal readonly struct APoTStandardizationRule : IElementRule
{
    private readonly Vector<float> _mean, _std, _gradientMean, _slope;
    private readonly float _m, _s, _gm, _c;

    /// <param name="mean">μ.</param>
    /// <param name="std">σ as it acts.</param>
    /// <param name="gradientMean"><c>mean g</c> over the row.</param>
    /// <param name="slope"><c>Σ(g·t) / (n − 1)</c>, or 0 where σ is a constant (a row without spread).</param>
    public APoTStandardizationRule(float mean, float std, float gradientMean, float slope)
    {
        (_m, _s, _gm, _c) = (mean, std, gradientMean, slope);
        (_mean, _std, _gradientMean, _slope) = (new(_m), new(_s), new(_gm), new(_c));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x) => (x - _mean) / _std;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x) => (x - _m) / _s;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g) =>
        ((g - _gradientMean - (Forward(x) * _slope)) / _std, Vector<float>.Zero, Vector<float>.Zero, Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g) =>
        ((g - _gm - (Forward(x) * _c)) / _s, 0, 0, 0);
}
