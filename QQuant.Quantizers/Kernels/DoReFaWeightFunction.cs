using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// DoReFa's weight grid over <c>t = tanh(w)</c> (the tanh stays a TorchSharp op, so its values and gradient are
/// libtorch's) as one autograd node: <see cref="TanhGridRule"/> forward and backward, then the gradient through the
/// row maximum <c>M = max|t|</c>, <c>−Σ g·t / M²</c>, shared by the elements where <c>|t| = M</c>, as torch's amax
/// shares it among ties.
/// </summary>
internal sealed class DoReFaWeightFunction : autograd.SingleTensorFunction<DoReFaWeightFunction>
{
    /// <inheritdoc />
    public override string Name => "FusedDoReFaWeight";

    /// <summary>Quantizes <paramref name="t"/> (a tensor <see cref="CpuFloats.Accepts"/> takes) with one maximum per row.</summary>
    public static Tensor Apply(Tensor t, long rows, int levels)
    {
        float[] maxima = ElementwiseKernel.MaxAbs(t, rows, positivePart: false);
        var plan = new Plan(maxima, [.. maxima.Select(m => new TanhGridRule(m > 0 ? m : 1, levels))]);
        if (!is_grad_enabled() || !t.requires_grad)
        {
            return ElementwiseKernel.Forward(t, plan.Rules);
        }

        return apply(t, plan);
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var t = (Tensor)vars[0];
        var plan = (Plan)vars[1];
        ctx.save_for_backward([t]);
        ctx.save_data(nameof(Plan), plan);
        return ElementwiseKernel.Forward(t, plan.Rules);
    }

    /// <inheritdoc />
    public override unsafe List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using Tensor t = ctx.get_saved_variables()[0];
        var plan = (Plan)ctx.get_data(nameof(Plan));
        using Tensor gradient = grad_output.contiguous();
        Tensor inputGradient = empty_like(t);
        double[] products = ElementwiseKernel.Backward(t, gradient, inputGradient, plan.Rules)[0];
        float* values = CpuFloats.Pointer(t);
        float* result = CpuFloats.Pointer(inputGradient);
        long columns = t.numel() / plan.Maxima.Length;
        var ties = new List<long>();
        for (long row = 0; row < plan.Maxima.Length; row++)
        {
            float max = plan.Maxima[row];
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

        return [inputGradient, null!];
    }

    private sealed record Plan(float[] Maxima, TanhGridRule[] Rules);
}
