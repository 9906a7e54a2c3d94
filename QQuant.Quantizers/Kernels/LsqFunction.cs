using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// LSQ fake quantization as one autograd node over <see cref="LsqKernel"/>: inputs the tensor <c>x</c> and the raw
/// step parameter; the step acts as <c>max(|step|, 1e−8)</c> and its gradient is multiplied by
/// <see cref="LsqArguments.GradientScale"/>, as the composed path does with <see cref="StraightThrough.ScaleGradient"/>.
/// </summary>
internal sealed class LsqFunction : autograd.SingleTensorFunction<LsqFunction>
{
    /// <inheritdoc />
    public override string Name => "LsqFakeQuantize";

    /// <summary>Fake-quantizes <paramref name="x"/> (a tensor <see cref="CpuFloats.Accepts"/> takes) with <paramref name="step"/>.</summary>
    public static Tensor Apply(Tensor x, Tensor step, LsqArguments arguments)
    {
        if (!is_grad_enabled() || !(x.requires_grad || step.requires_grad))
        {
            return Forward(x, arguments);
        }

        if (!x.is_leaf || !x.requires_grad)
        {
            return apply(x, step, arguments);
        }

        // The input's gradient goes back through a managed wrapper that keeps a reference to it, so a leaf's
        // AccumulateGrad would copy it; a view's backward hands on a new tensor over the same storage, which it takes.
        using Tensor view = x.view(x.shape);
        return apply(view, step, arguments);
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var arguments = (LsqArguments)vars[2];
        ctx.save_for_backward([x]);
        ctx.save_data(nameof(LsqArguments), arguments with { InputNeedsGradient = x.requires_grad });
        return Forward(x, arguments);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using Tensor x = ctx.get_saved_variables()[0];
        var a = (LsqArguments)ctx.get_data(nameof(LsqArguments));
        using Tensor gradient = grad_output.contiguous();
        Tensor? inputGradient = a.InputNeedsGradient ? empty_like(x) : null;
        double[] raw = LsqKernel.Backward(x, gradient, inputGradient, a.Rows, a.Steps, a.Min, a.Max);
        var stepGradient = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            stepGradient[i] = (float)(raw[i] * a.GradientScale * a.StepDerivatives[i]);
        }

        return [inputGradient!, tensor(stepGradient, device: x.device).view(a.StepShape), null!];
    }

    private static Tensor Forward(Tensor x, LsqArguments a)
    {
        Tensor y = empty_like(x);
        LsqKernel.Forward(x, y, a.Rows, a.Steps, a.Min, a.Max);
        return y;
    }
}

/// <summary>What <see cref="LsqFunction"/> needs besides the tensors.</summary>
/// <param name="Steps">The step each row acts with, <c>max(|step|, 1e−8)</c>.</param>
/// <param name="StepDerivatives">d(acting step)/d(step) per row: the step's sign, 0 where it was clamped to 1e−8.</param>
/// <param name="StepShape">The step parameter's shape, for its gradient.</param>
/// <param name="Min">The grid's lowest integer.</param>
/// <param name="Max">The grid's highest integer.</param>
/// <param name="GradientScale">LSQ's <c>g</c> (1 without gradient scaling).</param>
internal sealed record LsqArguments(float[] Steps, float[] StepDerivatives, long[] StepShape, float Min, float Max, double GradientScale)
{
    /// <summary>Rows of the input: one per step.</summary>
    public long Rows => Steps.Length;

    /// <summary>Whether the input's gradient is wanted (set by the forward).</summary>
    public bool InputNeedsGradient { get; init; } = true;

    /// <summary>The arguments for <paramref name="step"/> (any shape; its values are read once).</summary>
    public static LsqArguments For(Tensor step, IntegerRange range, double gradientScale)
    {
        float[] raw = CpuFloats.Values(step);
        float[] steps = [.. raw.Select(s => MathF.Max(MathF.Abs(s), (float)QuantizerMath.MinimumScale))];
        float[] derivatives = [.. raw.Select(s => MathF.Abs(s) >= (float)QuantizerMath.MinimumScale ? (s > 0 ? 1f : -1f) : 0f)];
        return new LsqArguments(steps, derivatives, step.shape, range.Min, range.Max, gradientScale);
    }
}
