using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// PACT: <c>y = α</c> where <c>x ≥ α</c>, <c>low</c> where <c>x &lt; low</c> (<c>−α</c> signed, 0 unsigned), else
/// <c>x</c>; then <c>round(y / d) · d</c> with <c>d = α / steps</c>. Backward: the input gets <c>g</c> between the
/// clips; the first sum collects α's terms (<c>g</c> above, <c>−g</c> below a signed grid's low clip).
/// </summary>
internal readonly struct PactClipRule : IElementRule
{
    private readonly Vector<float> _alpha, _low, _step, _lowSign;
    private readonly float _a, _l, _d, _sign;

    /// <param name="alpha">The clip α acts with.</param>
    /// <param name="steps">The grid's steps between 0 and α.</param>
    /// <param name="signed">Whether the grid runs from −α (else from 0, and the low clip does not depend on α).</param>
    public PactClipRule(float alpha, int steps, bool signed)
    {
        (_a, _l, _d, _sign) = (alpha, signed ? -alpha : 0, alpha / steps, signed ? -1 : 0);
        (_alpha, _low, _step, _lowSign) = (new(_a), new(_l), new(_d), new(_sign));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x)
    {
        Vector<float> y = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, _alpha), _alpha, Vector.ConditionalSelect(Vector.LessThan(x, _low), _low, x));
        return Vector.Round(y / _step) * _step;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x)
    {
        float y = x >= _a ? _a : x < _l ? _l : x;
        return MathF.Round(y / _d, MidpointRounding.ToEven) * _d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g)
    {
        Vector<int> above = Vector.GreaterThanOrEqual(x, _alpha);
        Vector<int> below = Vector.AndNot(Vector.LessThan(x, _low), above);
        Vector<float> alpha = Vector.ConditionalSelect(above, g, Vector.ConditionalSelect(below, g * _lowSign, Vector<float>.Zero));
        return (Vector.ConditionalSelect(above | below, Vector<float>.Zero, g), alpha, Vector<float>.Zero, Vector<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g)
    {
        bool above = x >= _a;
        bool below = !above && x < _l;
        return (above || below ? 0 : g, above ? g : below ? g * _sign : 0, 0, 0);
    }
}
