using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// The gradient through <c>t = tanh(w)</c> from t itself, as libtorch's tanh backward computes it:
/// <c>g · (1 − t · t)</c>. Only its backward is used; its forward leaves t as it is.
/// </summary>
internal readonly struct DoReFaTanhSlopeRule : IElementRule
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> t) => t;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float t) => t;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> t, Vector<float> g) =>
        (g * (Vector<float>.One - (t * t)), Vector<float>.Zero, Vector<float>.Zero, Vector<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float t, float g) => (g * (1 - (t * t)), 0, 0, 0);
}
