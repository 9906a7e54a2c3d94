using QQuant;
using static TorchSharp.torch;
using QQuant.Quantizers.Kernels;

namespace QQuant.Quantizers;

/// <summary>
/// DoReFa's weight grid as a pass over the weight itself: <c>t = tanh(w)</c> (libtorch's tanh, so its values are
/// the composed path's) is computed in the forward and again in the backward, so no tensor but the weight is kept.
/// Forward: <see cref="DoReFaTanhGridRule"/> with each row's <c>M = max|t|</c>. Backward: the rule's backward, then the
/// gradient through M, <c>−Σ g·t / M²</c>, shared by the elements where <c>|t| = M</c> as torch's amax shares it
/// among ties, then the tanh's <c>(1 − t²)</c>, in place.
/// </summary>
internal sealed class DoReFaWeightPass(long rows, int levels) : QuantizationPass
{
    /// <inheritdoc />
    public override IReadOnlyList<Tensor> Parameters => [];

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using Tensor t = Tanh(input);
        return ElementwiseKernel.Forward(t, Rules(t).Rules);
    }

    /// <inheritdoc />
    public override unsafe (Tensor? Input, IReadOnlyList<Tensor> Parameters) Backward(Tensor input, Tensor gradient, bool inputNeedsGradient)
    {
        if (!inputNeedsGradient)
        {
            return (null, []);
        }

        using Tensor t = Tanh(input);
        (float[] maxima, DoReFaTanhGridRule[] rules) = Rules(t);
        Tensor tanhGradient = empty_like(t);
        double[] products = ElementwiseKernel.Backward(t, gradient, tanhGradient, rules)[0];
        float* values = CpuFloats.Pointer(t);
        float* result = CpuFloats.Pointer(tanhGradient);
        long columns = t.numel() / rows;
        var ties = new List<long>();
        for (long row = 0; row < rows; row++)
        {
            float max = maxima[row];
            if (!(max > 0))
            {
                continue;
            }

            ties.Clear();
            for (long i = row * columns, end = i + columns; i < end; i++)
            {
                if (MathF.Abs(values[i]) == max)
                {
                    ties.Add(i);
                }
            }

            float share = (float)(-products[row] / ((double)max * max) / ties.Count);
            foreach (long i in ties)
            {
                result[i] += values[i] > 0 ? share : -share;
            }
        }

        // In place: the weight's gradient takes the tanh gradient's memory.
        ElementwiseKernel.Backward(t, tanhGradient, tanhGradient, [default(DoReFaTanhSlopeRule)]);
        return (tanhGradient, []);
    }

    private static Tensor Tanh(Tensor w)
    {
        using var noGrad = no_grad();
        return w.tanh();
    }

    private (float[] Maxima, DoReFaTanhGridRule[] Rules) Rules(Tensor t)
    {
        float[] maxima = ElementwiseKernel.MaxAbs(t, rows, positivePart: false);
        return (maxima, [.. maxima.Select(m => new DoReFaTanhGridRule(m > 0 ? m : 1, levels))]);
    }
}
