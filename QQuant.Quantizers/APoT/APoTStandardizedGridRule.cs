using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// APoT's weights: <see cref="APoTGridRule"/> on the standardised weight <c>t = (x − c) / σ</c>. Backward: the
/// input gets the gradient of t (the grid's input gradient); the sums collect α's terms, the gradient of t, and
/// the gradient of t times t, from which <see cref="APoTStandardizationRule"/> finishes the gradient.
/// </summary>
internal readonly struct APoTStandardizedGridRule : IElementRule
{
    private readonly APoTGridRule _grid;
    private readonly APoTStandardizationRule _standardization;

    /// <param name="grid">The row's grid (its α).</param>
    /// <param name="center">The row's centre c: its mean, or 0.</param>
    /// <param name="std">The row's deviation σ as it acts.</param>
    public APoTStandardizedGridRule(APoTGridRule grid, float center, float std)
    {
        _grid = grid;
        _standardization = new APoTStandardizationRule(center, center, std, 0, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x) => _grid.Forward(_standardization.Forward(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x) => _grid.Forward(_standardization.Forward(x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g)
    {
        Vector<float> t = _standardization.Forward(x);
        (Vector<float> input, Vector<float> alpha, _, _) = _grid.Backward(t, g);
        return (input, alpha, input, input * t);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g)
    {
        float t = _standardization.Forward(x);
        (float input, float alpha, _, _) = _grid.Backward(t, g);
        return (input, alpha, input, input * t);
    }
}
