using System.Numerics;
using System.Runtime.CompilerServices;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// DSQ: x clipped to <c>[l, u]</c>, interval <c>i = clamp(floor((x − l)/Δ), 0, N − 1)</c> with <c>Δ = max(u − l, 1e−8)/N</c>,
/// the hard value <c>l + Δ·(i + [z ≥ 0])</c> forward (<c>z = k·(x − m)</c>, <c>m</c> the interval's midpoint,
/// <c>k = log(2/α − 1)/Δ</c>; <c>[z ≥ 0]</c> is the composed path's <c>tanh(z)/(1 − α) ≥ 0</c>) and the gradient of the
/// soft value <c>l + Δ·(i + (φ + 1)/2)</c>, <c>φ = tanh(z)/(1 − α)</c>, backward. The three sums collect the terms of
/// <c>lower</c>, <c>upper</c> and <c>alpha</c>; the interval index is a constant, as on the composed path.
/// </summary>
internal readonly struct DsqSoftStepRule : IElementRule
{
    private readonly float _l, _u, _delta, _last, _k, _inverse, _deltaUpper, _zShare, _halfDelta, _alphaTerm;

    /// <param name="lower">l.</param>
    /// <param name="upper">u.</param>
    /// <param name="delta">Δ as the composed path computes it.</param>
    /// <param name="intervals">N = 2^bits − 1.</param>
    /// <param name="k">k as the composed path computes it.</param>
    /// <param name="logTerm">K = log(2/α − 1).</param>
    /// <param name="alpha">α as it acts (clamped into (0, 0.5)).</param>
    /// <param name="deltaFollowsBounds">Whether <c>u − l</c> is above the 1e−8 floor, so Δ moves with the bounds.</param>
    public DsqSoftStepRule(float lower, float upper, float delta, int intervals, float k, float logTerm, float alpha, bool deltaFollowsBounds)
    {
        (_l, _u, _delta, _last, _k) = (lower, upper, delta, intervals - 1, k);
        _inverse = 1 / (1 - alpha);
        _deltaUpper = deltaFollowsBounds ? 1f / intervals : 0;
        _zShare = _deltaUpper / delta;
        _halfDelta = delta / 2;
        _alphaTerm = 2 / (logTerm * alpha * (2 - alpha));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Forward(Vector<float> x)
    {
        (Vector<float> index, Vector<float> z) = Locate(x);
        Vector<float> step = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(z, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero);
        return new Vector<float>(_l) + (new Vector<float>(_delta) * (index + step));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Forward(float x)
    {
        (float index, float z) = Locate(x);
        return _l + (_delta * (index + (z >= 0 ? 1 : 0)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g)
    {
        (Vector<float> index, Vector<float> z) = Locate(x);
        Vector<float> t = Tanh(z);
        var half = new Vector<float>(0.5f);
        var inverse = new Vector<float>(_inverse);
        var k = new Vector<float>(_k);
        var deltaUpper = new Vector<float>(_deltaUpper);
        Vector<float> slope = (Vector<float>.One - (t * t)) * inverse;
        Vector<float> p = new Vector<float>(_halfDelta) * slope;
        Vector<float> a = index + ((t * inverse) + Vector<float>.One) * half;
        Vector<int> below = Vector.LessThan(x, new Vector<float>(_l));
        Vector<int> above = Vector.AndNot(Vector.GreaterThan(x, new Vector<float>(_u)), below);
        Vector<float> belowOne = Vector.ConditionalSelect(below, Vector<float>.One, Vector<float>.Zero);
        Vector<float> aboveOne = Vector.ConditionalSelect(above, Vector<float>.One, Vector<float>.Zero);
        Vector<float> position = (index + half) * deltaUpper;
        Vector<float> zShare = z * new Vector<float>(_zShare);
        Vector<float> lower = Vector<float>.One - (deltaUpper * a) + (p * ((k * (belowOne - Vector<float>.One + position)) + zShare));
        Vector<float> upper = (deltaUpper * a) + (p * ((k * (aboveOne - position)) - zShare));
        Vector<float> alpha = new Vector<float>(_halfDelta) * ((t * inverse * inverse) - (slope * z * new Vector<float>(_alphaTerm)));
        Vector<float> input = Vector.ConditionalSelect(below | above, Vector<float>.Zero, g * p * k);
        return (input, g * lower, g * upper, g * alpha);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (float Input, float First, float Second, float Third) Backward(float x, float g)
    {
        (float index, float z) = Locate(x);
        float t = MathF.Tanh(z);
        float slope = (1 - (t * t)) * _inverse;
        float p = _halfDelta * slope;
        float a = index + (((t * _inverse) + 1) * 0.5f);
        bool below = x < _l;
        bool above = !below && x > _u;
        float position = (index + 0.5f) * _deltaUpper;
        float zShare = z * _zShare;
        float lower = 1 - (_deltaUpper * a) + (p * ((_k * ((below ? 1 : 0) - 1 + position)) + zShare));
        float upper = (_deltaUpper * a) + (p * ((_k * ((above ? 1 : 0) - position)) - zShare));
        float alpha = _halfDelta * ((t * _inverse * _inverse) - (slope * z * _alphaTerm));
        return (below || above ? 0 : g * p * _k, g * lower, g * upper, g * alpha);
    }

    /// <summary>The clipped input's interval and <c>z</c>, with the composed path's float operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector<float> Index, Vector<float> Z) Locate(Vector<float> x)
    {
        var l = new Vector<float>(_l);
        var u = new Vector<float>(_u);
        var delta = new Vector<float>(_delta);
        Vector<float> clipped = Vector.ConditionalSelect(Vector.LessThan(x, l), l, Vector.ConditionalSelect(Vector.GreaterThan(x, u), u, x));
        Vector<float> index = Vector.Min(Vector.Max(Vector.Floor((clipped - l) / delta), Vector<float>.Zero), new Vector<float>(_last));
        Vector<float> middle = l + ((index + new Vector<float>(0.5f)) * delta);
        return (index, new Vector<float>(_k) * (clipped - middle));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (float Index, float Z) Locate(float x)
    {
        float clipped = x < _l ? _l : x > _u ? _u : x;
        float index = Math.Clamp(MathF.Floor((clipped - _l) / _delta), 0, _last);
        float middle = _l + ((index + 0.5f) * _delta);
        return (index, _k * (clipped - middle));
    }

    /// <summary>tanh from exp: <c>sign(z) · (1 − 2/(e^{2|z|} + 1))</c>, accurate to a few float32 ulps of 1 (enough for gradients).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Tanh(Vector<float> z)
    {
        Vector<float> magnitude = Vector<float>.One - (new Vector<float>(2) / (Vector.Exp(new Vector<float>(2) * Vector.Abs(z)) + Vector<float>.One));
        return Vector.ConditionalSelect(Vector.LessThan(z, Vector<float>.Zero), -magnitude, magnitude);
    }
}
