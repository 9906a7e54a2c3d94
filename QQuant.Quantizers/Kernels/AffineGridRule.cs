using System.Numerics;
using System.Runtime.CompilerServices;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// LSQ and LSQ+: <c>round(clamp((x − β) / s, lo, hi)) · s + β</c> (β = 0 for LSQ). Backward: the input gets <c>g</c>
/// inside the range; the first sum collects the step's terms (<c>round(v) − v</c> inside, <c>lo</c> below,
/// <c>hi</c> above), the second the offset's (<c>1</c> outside the range).
/// </summary>
internal readonly struct AffineGridRule : IElementRule
{
    private readonly Vector<float> _step, _offset, _min, _max;
    private readonly float _s, _b, _lo, _hi;

    public AffineGridRule(float step, float offset, float min, float max)
    {
        (_s, _b, _lo, _hi) = (step, offset, min, max);
        (_step, _offset, _min, _max) = (new(step), new(offset), new(min), new(max));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x) =>
        (Vector.Round(Vector.Min(Vector.Max((x - _offset) / _step, _min), _max)) * _step) + _offset;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x) => (MathF.Round(Math.Clamp((x - _b) / _s, _lo, _hi), MidpointRounding.ToEven) * _s) + _b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g)
    {
        Vector<float> v = (x - _offset) / _step;
        Vector<int> below = Vector.LessThan(v, _min);
        Vector<int> inside = Vector.AndNot(Vector.LessThanOrEqual(v, _max), below);
        Vector<float> step = g * Vector.ConditionalSelect(inside, Vector.Round(v) - v, Vector.ConditionalSelect(below, _min, _max));
        return (Vector.ConditionalSelect(inside, g, Vector<float>.Zero), step, Vector.ConditionalSelect(inside, Vector<float>.Zero, g), Vector<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g)
    {
        float v = (x - _b) / _s;
        bool inside = v >= _lo && v <= _hi;
        return (inside ? g : 0, g * (inside ? MathF.Round(v, MidpointRounding.ToEven) - v : v < _lo ? _lo : _hi), inside ? 0 : g, 0);
    }
}
