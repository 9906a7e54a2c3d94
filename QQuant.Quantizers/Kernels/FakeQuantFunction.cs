using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// A fused fake quantization as one autograd node: the input tensor and the quantizer's learned parameters go in, the
/// forward and backward run <see cref="ElementwiseKernel"/> with <typeparamref name="TRule"/>.
/// </summary>
internal sealed class FakeQuantFunction<TRule> : autograd.SingleTensorFunction<FakeQuantFunction<TRule>>
    where TRule : struct, IElementRule
{
    /// <inheritdoc />
    public override string Name => $"FusedFakeQuantize<{typeof(TRule).Name}>";

    /// <summary>
    /// Fake-quantizes <paramref name="x"/> (a tensor <see cref="CpuFloats.Accepts"/> takes; row r of it with
    /// <paramref name="rules"/>[r]), recording the gradients of <paramref name="parameters"/> when autograd is on.
    /// </summary>
    public static Tensor Apply(Tensor x, TRule[] rules, params FusedParameter[] parameters)
    {
        if (!is_grad_enabled() || !(x.requires_grad || parameters.Any(p => p.Parameter.requires_grad)))
        {
            return ElementwiseKernel.Forward(x, rules);
        }

        var plan = new Plan(rules, [.. parameters.Select(p => new ParameterPlan(p.Factors, p.Sum, p.Parameter.shape))]);
        if (!x.is_leaf || !x.requires_grad)
        {
            return apply([x, .. parameters.Select(p => p.Parameter), plan]);
        }

        // The input's gradient goes back through a managed wrapper that keeps a reference to it, so a leaf's
        // AccumulateGrad would copy it; a view's backward hands on a new tensor over the same storage, which it takes.
        using Tensor view = x.view(x.shape);
        return apply([view, .. parameters.Select(p => p.Parameter), plan]);
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var plan = (Plan)vars[^1];
        ctx.save_for_backward([x]);
        ctx.save_data(nameof(Plan), plan with { InputNeedsGradient = x.requires_grad });
        return ElementwiseKernel.Forward(x, plan.Rules);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using Tensor x = ctx.get_saved_variables()[0];
        var plan = (Plan)ctx.get_data(nameof(Plan));
        using Tensor gradient = grad_output.contiguous();
        Tensor? inputGradient = plan.InputNeedsGradient ? empty_like(x) : null;
        double[][] sums = ElementwiseKernel.Backward(x, gradient, inputGradient, plan.Rules);
        var gradients = new List<Tensor> { inputGradient! };
        foreach (ParameterPlan p in plan.Parameters)
        {
            gradients.Add(tensor(p.Gradient(sums[p.Sum]), device: x.device).view(p.Shape));
        }

        gradients.Add(null!);
        return gradients;
    }

    private sealed record Plan(TRule[] Rules, ParameterPlan[] Parameters)
    {
        public bool InputNeedsGradient { get; init; } = true;
    }
}

/// <summary>
/// A learned parameter of a fused quantizer: its gradient is the kernel's per-row sum number <paramref name="Sum"/>
/// (0, 1 or 2: the rule's first, second or third term) times <paramref name="Factors"/> (one per element of the
/// parameter: the chain rule from the value the kernel acted with back to the parameter, including LSQ's gradient
/// scale).
/// </summary>
internal sealed record FusedParameter(Tensor Parameter, float[] Factors, int Sum = 0);

/// <summary>What the backward needs of a <see cref="FusedParameter"/>, without holding the tensor.</summary>
internal sealed record ParameterPlan(float[] Factors, int Sum, long[] Shape)
{
    /// <summary>The gradient's values from the per-row sums (all rows together for a one-element parameter).</summary>
    public float[] Gradient(double[] sums)
    {
        if (Factors.Length == 1)
        {
            return [(float)(sums.Sum() * Factors[0])];
        }

        var values = new float[Factors.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(sums[i] * Factors[i]);
        }

        return values;
    }
}
