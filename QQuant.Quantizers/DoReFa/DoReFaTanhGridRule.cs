using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// DoReFa's weights after their tanh, <c>t = tanh(w)</c>: <c>2 · round((t / (2M) + ½) · L) / L − 1</c> with
/// <c>M</c> the row's largest <c>|t|</c> (1 when it is 0) and <c>L = 2^bits − 1</c>. Backward (with respect to
/// <c>t</c>): <c>g / M</c>; the first sum collects <c>g · t</c>, from which <see cref="DoReFaWeightPass"/> gives
/// the largest elements their share of M's gradient.
/// </summary>
internal readonly struct DoReFaTanhGridRule : IElementRule
{
    private readonly Vector<float> _divisor, _levels;
    private readonly float _d, _m, _l;

    /// <param name="max">M as it acts (1 for a row of zeros).</param>
    /// <param name="levels">L.</param>
    public DoReFaTanhGridRule(float max, int levels)
    {
        (_m, _d, _l) = (max, 2 * max, levels);
        (_divisor, _levels) = (new(_d), new(_l));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> t)
    {
        Vector<float> r = (t / _divisor) + new Vector<float>(0.5f);
        return (new Vector<float>(2) * Vector.Round(r * _levels) / _levels) - Vector<float>.One;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float t) => (2 * MathF.Round(((t / _d) + 0.5f) * _l, MidpointRounding.ToEven) / _l) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> t, Vector<float> g) =>
        (g / new Vector<float>(_m), g * t, Vector<float>.Zero, Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float t, float g) => (g / _m, g * t, 0, 0);
}
