using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// A learned step, scale or clip as the fused kernels use it: the value each element acts with,
/// <c>max(|p|, 1e−8)</c> as <see cref="QuantizerMath.Positive"/> computes it, and that value's derivative with
/// respect to the parameter (its sign, 0 where the floor holds).
/// </summary>
internal static class LearnedScale
{
    /// <summary>Reads <paramref name="parameter"/> once.</summary>
    public static (float[] Acting, float[] Derivative) Read(Tensor parameter)
    {
        float[] raw = CpuFloats.Values(parameter);
        var acting = new float[raw.Length];
        var derivative = new float[raw.Length];
        float floor = (float)QuantizerMath.MinimumScale;
        for (int i = 0; i < raw.Length; i++)
        {
            acting[i] = MathF.Max(MathF.Abs(raw[i]), floor);
            derivative[i] = MathF.Abs(raw[i]) >= floor ? (raw[i] > 0 ? 1 : -1) : 0;
        }

        return (acting, derivative);
    }

    /// <summary><paramref name="values"/> each multiplied by <paramref name="factor"/>.</summary>
    public static float[] Times(float[] values, double factor) => [.. values.Select(v => (float)(v * factor))];
}
