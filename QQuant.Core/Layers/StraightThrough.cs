using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Straight-through estimators written with detach arithmetic, the building blocks of fake quantization: each returns
/// the value of a non-differentiable function and the gradient of a simpler one.
/// </summary>
public static class StraightThrough
{
    /// <summary>Forward <c>round(x)</c> (half to even), backward the identity.</summary>
    public static Tensor Round(Tensor x) => Pass(x, x.round());

    /// <summary>Forward <paramref name="value"/>, backward the gradient of <paramref name="x"/> (both the same shape).</summary>
    /// <remarks>Written as <c>value.detach() + (x − x.detach())</c>, so the forward value is exactly <paramref name="value"/>.</remarks>
    public static Tensor Pass(Tensor x, Tensor value)
    {
        using Tensor constant = value.detach();
        using Tensor zero = x - x.detach();
        return constant + zero;
    }

    /// <summary>Forward <paramref name="p"/>, backward the incoming gradient multiplied by <paramref name="g"/>.</summary>
    /// <remarks>Written as <c>p.detach() + (p·g − (p·g).detach())</c>, so the forward value is exactly <paramref name="p"/>.</remarks>
    public static Tensor ScaleGradient(Tensor p, double g)
    {
        using Tensor scaled = p * g;
        using Tensor zero = scaled - scaled.detach();
        using Tensor constant = p.detach();
        return constant + zero;
    }
}
