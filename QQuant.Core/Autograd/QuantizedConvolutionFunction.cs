using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Fake quantization of the input and a 2-D convolution as one autograd node that keeps the unquantized input (which
/// the previous layer keeps anyway) instead of the quantized one: its backward runs the quantization's forward pass
/// again, then libtorch's convolution backward, then the quantization's backward. That saves one activation-sized
/// tensor per quantized convolution for the price of one more element-wise pass.
/// </summary>
internal sealed class QuantizedConvolutionFunction : autograd.SingleTensorFunction<QuantizedConvolutionFunction>
{
    /// <inheritdoc />
    public override string Name => "FusedQuantizedConv2d";

    /// <summary><c>conv2d(pass(x), weight, bias)</c> with <paramref name="geometry"/>, recording gradients for every input that wants one.</summary>
    public static Tensor Apply(Tensor x, QuantizationPass pass, Tensor weight, Tensor? bias, ConvolutionGeometry geometry)
    {
        if (!pass.IsRecorded(x) && !(is_grad_enabled() && (weight.requires_grad || (bias?.requires_grad ?? false))))
        {
            using Tensor quantized = pass.Forward(x);
            return Convolve(quantized, weight, bias, geometry);
        }

        var saved = new Saved(pass, geometry, bias is not null);
        return LeafInput.Through(x, input => bias is null
            ? apply([input, weight, .. pass.Parameters, saved])
            : apply([input, weight, bias, .. pass.Parameters, saved]));
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var weight = (Tensor)vars[1];
        var saved = (Saved)vars[^1];
        Tensor? bias = saved.HasBias ? (Tensor)vars[2] : null;
        ctx.save_for_backward([x, weight]);
        ctx.save_data(nameof(Saved), saved with
        {
            InputNeedsGradient = x.requires_grad,
            WeightNeedsGradient = weight.requires_grad,
            BiasNeedsGradient = bias?.requires_grad ?? false,
            ParametersNeedGradient = saved.Pass.Parameters.Any(p => p.requires_grad),
        });
        using Tensor quantized = saved.Pass.Forward(x);
        return Convolve(quantized, weight, bias, saved.Geometry);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        List<Tensor> kept = ctx.get_saved_variables();
        using Tensor x = kept[0], weight = kept[1];
        var saved = (Saved)ctx.get_data(nameof(Saved));
        bool quantizedNeedsGradient = saved.InputNeedsGradient || saved.ParametersNeedGradient;
        using Tensor gradient = grad_output.contiguous();
        Tensor? weightGradient, biasGradient, quantizedGradient;
        using (Tensor quantized = saved.Pass.Forward(x))
        {
            (quantizedGradient, weightGradient, biasGradient) = ConvolutionBackward.Compute(
                gradient, quantized, weight, saved.Geometry, quantizedNeedsGradient, saved.WeightNeedsGradient, saved.BiasNeedsGradient);
        }

        Tensor? inputGradient = null;
        IReadOnlyList<Tensor> parameterGradients = [.. saved.Pass.Parameters.Select(_ => (Tensor)null!)];
        if (quantizedGradient is not null)
        {
            using (quantizedGradient)
            {
                (inputGradient, parameterGradients) = saved.Pass.Backward(x, quantizedGradient, saved.InputNeedsGradient);
            }
        }

        List<Tensor> gradients = [inputGradient!, weightGradient!];
        if (saved.HasBias)
        {
            gradients.Add(biasGradient!);
        }

        return [.. gradients, .. parameterGradients, null!];
    }

    private static Tensor Convolve(Tensor quantized, Tensor weight, Tensor? bias, ConvolutionGeometry g) =>
        nn.functional.conv2d(quantized, weight, bias, g.Stride, g.Padding, g.Dilation, g.Groups);

    private sealed record Saved(QuantizationPass Pass, ConvolutionGeometry Geometry, bool HasBias)
    {
        public bool InputNeedsGradient { get; init; }

        public bool WeightNeedsGradient { get; init; }

        public bool BiasNeedsGradient { get; init; }

        public bool ParametersNeedGradient { get; init; }
    }
}
