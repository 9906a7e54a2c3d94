using QQuant;
using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// A fused fake quantization: <see cref="ElementwiseKernel"/> with <typeparamref name="TRule"/> (row r of the input
/// with rule r), and the learned parameters whose gradients the kernel's per-row sums give.
/// </summary>
internal sealed class KernelPass<TRule> : QuantizationPass
    where TRule : struct, IElementRule
{
    private readonly TRule[] _rules;
    private readonly FusedParameter[] _parameters;

    /// <summary>The pass for an input <see cref="CpuFloats.Accepts"/> takes, with one rule per row.</summary>
    public KernelPass(TRule[] rules, params FusedParameter[] parameters)
    {
        _rules = rules;
        _parameters = parameters;
        Parameters = [.. parameters.Select(p => p.Parameter)];
    }

    /// <inheritdoc />
    public override IReadOnlyList<Tensor> Parameters { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => ElementwiseKernel.Forward(input, _rules);

    /// <inheritdoc />
    public override (Tensor? Input, IReadOnlyList<Tensor> Parameters) Backward(Tensor input, Tensor gradient, bool inputNeedsGradient)
    {
        Tensor? inputGradient = inputNeedsGradient ? empty_like(input) : null;
        double[][] sums = ElementwiseKernel.Backward(input, gradient, inputGradient, _rules);
        return (inputGradient, [.. _parameters.Select(p => p.Gradient(sums[p.Sum], input.device))]);
    }
}

/// <summary>
/// A learned parameter of a fused quantizer: its gradient is the kernel's per-row sum number <paramref name="Sum"/>
/// (0, 1 or 2: the rule's first, second or third term) times <paramref name="Factors"/> (one per element of the
/// parameter: the chain rule from the value the kernel acted with back to the parameter, including LSQ's gradient
/// scale).
/// </summary>
internal sealed record FusedParameter(Tensor Parameter, float[] Factors, int Sum = 0)
{
    /// <summary>The gradient from the per-row sums (all rows together for a one-element parameter), shaped as the parameter.</summary>
    public Tensor Gradient(double[] sums, Device device)
    {
        var values = new float[Factors.Length];
        if (Factors.Length == 1)
        {
            values[0] = (float)(sums.Sum() * Factors[0]);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(sums[i] * Factors[i]);
            }
        }

        using Tensor flat = tensor(values, device: device);
        return flat.view(Parameter.shape);
    }
}
