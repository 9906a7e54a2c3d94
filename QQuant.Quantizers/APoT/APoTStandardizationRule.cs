using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// A row's standardisation <c>t = (x − c) / σ</c> (σ its unbiased standard deviation; c its mean μ, or 0 when the
/// weight is only scaled), and the gradient through it from the gradient <c>g</c> of t:
/// <c>(g − mean g − ((x − μ) / σ) · Σ(g·t) / (n − 1)) / σ</c>, the last term being σ's share and <c>mean g</c> μ's
/// (absent when c is 0). The two reductions come from the pass before (<see cref="APoTStandardizedGridRule"/>'s sums).
/// </summary>
internal readonly struct APoTStandardizationRule : IElementRule
{
    private readonly Vector<float> _center, _mean, _std, _gradientMean, _slope;
    private readonly float _cn, _m, _s, _gm, _c;

    /// <param name="center">c: μ, or 0.</param>
    /// <param name="mean">μ.</param>
    /// <param name="std">σ as it acts.</param>
    /// <param name="gradientMean"><c>mean g</c> over the row, or 0 when c is 0.</param>
    /// <param name="slope"><c>Σ(g·t) / (n − 1)</c>, or 0 where σ is a constant (a row without spread).</param>
    public APoTStandardizationRule(float center, float mean, float std, float gradientMean, float slope)
    {
        (_cn, _m, _s, _gm, _c) = (center, mean, std, gradientMean, slope);
        (_center, _mean, _std, _gradientMean, _slope) = (new(_cn), new(_m), new(_s), new(_gm), new(_c));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x) => (x - _center) / _std;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x) => (x - _cn) / _s;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g) =>
        ((g - _gradientMean - ((x - _mean) / _std * _slope)) / _std, Vector<float>.Zero, Vector<float>.Zero, Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g) =>
        ((g - _gm - ((x - _m) / _s * _c)) / _s, 0, 0, 0);
}
