using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// DoReFa's activations, on the fixed range [0, 1] (<c>round(clamp(x, 0, 1) · L) / L</c>) or, signed, [−1, 1]
/// (<c>2 · round((clamp(x, −1, 1) + 1) / 2 · L) / L − 1</c>), with <c>L = 2^bits − 1</c>. Backward: the input gets
/// <c>g</c> inside the range (ends included); nothing is learned.
/// </summary>
internal readonly struct DoReFaActivationRule : IElementRule
{
    private readonly Vector<float> _levels, _min;
    private readonly float _l, _lo;
    private readonly bool _signed;

    public DoReFaActivationRule(int levels, bool signed)
    {
        (_l, _lo, _signed) = (levels, signed ? -1 : 0, signed);
        (_levels, _min) = (new(_l), new(_lo));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x)
    {
        Vector<float> c = Vector.Min(Vector.Max(x, _min), Vector<float>.One);
        if (!_signed)
        {
            return Vector.Round(c * _levels) / _levels;
        }

        Vector<float> r = (c + Vector<float>.One) / new Vector<float>(2);
        return (new Vector<float>(2) * Vector.Round(r * _levels) / _levels) - Vector<float>.One;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x)
    {
        float c = Math.Clamp(x, _lo, 1);
        return _signed
            ? (2 * MathF.Round((c + 1) / 2 * _l, MidpointRounding.ToEven) / _l) - 1
            : MathF.Round(c * _l, MidpointRounding.ToEven) / _l;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g)
    {
        Vector<int> inside = Vector.GreaterThanOrEqual(x, _min) & Vector.LessThanOrEqual(x, Vector<float>.One);
        return (Vector.ConditionalSelect(inside, g, Vector<float>.Zero), Vector<float>.Zero, Vector<float>.Zero, Vector<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g) => (x >= _lo && x <= 1 ? g : 0, 0, 0, 0);
}
