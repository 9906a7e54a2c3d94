using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// APoT's activations: <c>d = clamp(x / α, lo, 1)</c> (lo = −1 signed, 0 unsigned), <c>q</c> the grid value of d, then
/// <c>q · α</c>. The grid is uniform (<c>round(d · steps) / steps</c>) or a level set (<c>sign(d)</c> times the level
/// nearest to <c>|d|</c>, picked with the midpoints between levels as torch's bucketize does). Backward: the input
/// gets <c>g</c> inside the clip (and outside it too when the rule passes clipped gradients); the first sum collects α's terms <c>g · (q − v)</c> inside and <c>g · q</c> outside,
/// with <c>v = x / α</c>.
/// </summary>
internal readonly struct APoTGridRule : IElementRule
{
    private readonly Vector<float> _alpha, _min, _steps;
    private readonly Vector<int> _passes;
    private readonly float _a, _lo, _n;
    private readonly bool _pass;
    private readonly float[]? _levels, _boundaries;

    private APoTGridRule(float alpha, bool signed, int steps, float[]? levels, bool passClipped)
    {
        (_a, _lo, _n, _pass) = (alpha, signed ? -1 : 0, steps, passClipped);
        (_alpha, _min, _steps, _passes) = (new(_a), new(_lo), new(_n), passClipped ? Vector<int>.AllBitsSet : Vector<int>.Zero);
        _levels = levels;
        _boundaries = levels is null ? null : [.. levels.Zip(levels.Skip(1), (a, b) => (a + b) / 2)];
    }

    /// <summary>A uniform grid of <paramref name="steps"/> steps between 0 and 1.</summary>
    public static APoTGridRule Uniform(float alpha, bool signed, int steps, bool passClipped = false) => new(alpha, signed, steps, null, passClipped);

    /// <summary>The ascending magnitude levels <paramref name="levels"/> (from 0 to 1), mirrored for negative d.</summary>
    public static APoTGridRule Levels(float alpha, bool signed, float[] levels, bool passClipped = false) => new(alpha, signed, 0, levels, passClipped);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x) => Grid(Vector.Min(Vector.Max(x / _alpha, _min), Vector<float>.One)) * _alpha;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x) => Grid(Math.Clamp(x / _a, _lo, 1)) * _a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g)
    {
        Vector<float> v = x / _alpha;
        Vector<int> inside = Vector.GreaterThanOrEqual(v, _min) & Vector.LessThanOrEqual(v, Vector<float>.One);
        Vector<float> q = Grid(Vector.Min(Vector.Max(v, _min), Vector<float>.One));
        return (Vector.ConditionalSelect(inside | _passes, g, Vector<float>.Zero), g * (q - Vector.ConditionalSelect(inside, v, Vector<float>.Zero)), Vector<float>.Zero, Vector<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g)
    {
        float v = x / _a;
        bool inside = v >= _lo && v <= 1;
        float q = Grid(Math.Clamp(v, _lo, 1));
        return (inside || _pass ? g : 0, g * (q - (inside ? v : 0)), 0, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector<float> Grid(Vector<float> d)
    {
        if (_levels is null)
        {
            return Vector.Round(d * _steps) / _steps;
        }

        Vector<float> magnitude = Vector.Abs(d);
        var level = new Vector<float>(_levels[0]);
        for (int k = 0; k < _boundaries!.Length; k++)
        {
            level = Vector.ConditionalSelect(Vector.GreaterThan(magnitude, new Vector<float>(_boundaries[k])), new Vector<float>(_levels[k + 1]), level);
        }

        return Vector.ConditionalSelect(Vector.LessThan(d, Vector<float>.Zero), -level, Vector.ConditionalSelect(Vector.GreaterThan(d, Vector<float>.Zero), level, Vector<float>.Zero));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Grid(float d)
    {
        if (_levels is null)
        {
            return MathF.Round(d * _n, MidpointRounding.ToEven) / _n;
        }

        float magnitude = MathF.Abs(d);
        float level = _levels[0];
        for (int k = 0; k < _boundaries!.Length; k++)
        {
            level = magnitude > _boundaries[k] ? _levels[k + 1] : level;
        }

        return d < 0 ? -level : d > 0 ? level : 0;
    }
}
