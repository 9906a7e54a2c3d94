using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// The 8-bit max-abs grid: <c>x + (round(x / m · L) / L · m − x)</c> with <c>m</c> the row's largest magnitude
/// (computed as the composed path does, the error added to x); unsigned grids clamp x at 0 first. Backward: the
/// straight-through gradient, <c>g</c> (where <c>x ≥ 0</c> for unsigned grids); nothing is learned.
/// </summary>
internal readonly struct MaxAbsRule : IElementRule
{
    private readonly Vector<float> _scale, _levels;
    private readonly float _m, _l;
    private readonly bool _signed;

    public MaxAbsRule(float scale, int levels, bool signed)
    {
        (_m, _l, _signed) = (scale, levels, signed);
        (_scale, _levels) = (new(_m), new(_l));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x)
    {
        Vector<float> c = _signed ? x : Vector.Max(x, Vector<float>.Zero);
        return c + ((Vector.Round(c / _scale * _levels) / _levels * _scale) - c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x)
    {
        float c = _signed ? x : MathF.Max(x, 0);
        return c + ((MathF.Round(c / _m * _l, MidpointRounding.ToEven) / _l * _m) - c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g) =>
        (_signed ? g : Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, Vector<float>.Zero), g, Vector<float>.Zero), Vector<float>.Zero, Vector<float>.Zero, Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g) => (_signed || x >= 0 ? g : 0, 0, 0, 0);
}
