using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Fake quantization of the input and of the weight, and a 2-D convolution, as one autograd node that keeps the
/// unquantized tensors (which the previous layer and the parameter keep anyway) instead of the quantized ones: its
/// backward runs each quantization's forward pass again, then libtorch's convolution backward, then each
/// quantization's backward. That saves one input-sized and one weight-sized tensor per quantized convolution for the
/// price of one more element-wise pass over each.
/// </summary>
/// <remarks>An operand without a pass goes into the convolution as it is (and is kept as it is).</remarks>
internal sealed class QuantizedConvolutionFunction : autograd.SingleTensorFunction<QuantizedConvolutionFunction>
{
    /// <inheritdoc />
    public override string Name => "FusedQuantizedConv2d";

    /// <summary>
    /// <c>conv2d(inputPass(x), weightPass(weight), bias)</c> with <paramref name="geometry"/> (a null pass leaves
    /// its operand as it is), recording gradients for every input that wants one.
    /// </summary>
    public static Tensor Apply(Tensor x, QuantizationPass? inputPass, Tensor weight, QuantizationPass? weightPass, Tensor? bias, ConvolutionGeometry geometry)
    {
        var saved = new Saved(inputPass, weightPass, geometry, bias is not null);
        if (!is_grad_enabled() || !new[] { x, weight, bias }.Concat(saved.Parameters).Any(t => t?.requires_grad ?? false))
        {
            using Tensor quantizedInput = saved.QuantizedInput(x), quantizedWeight = saved.QuantizedWeight(weight);
            return Convolve(quantizedInput, quantizedWeight, bias, geometry);
        }

        return LeafInput.Through(weight, w => LeafInput.Through(x, input => bias is null
            ? apply([input, w, .. saved.Parameters, saved])
            : apply([input, w, bias, .. saved.Parameters, saved])));
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
            InputParametersNeedGradient = saved.InputPass?.Parameters.Any(p => p.requires_grad) ?? false,
            WeightParametersNeedGradient = saved.WeightPass?.Parameters.Any(p => p.requires_grad) ?? false,
        });
        using Tensor quantizedInput = saved.QuantizedInput(x), quantizedWeight = saved.QuantizedWeight(weight);
        return Convolve(quantizedInput, quantizedWeight, bias, saved.Geometry);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using Tensor incoming = grad_output;
        List<Tensor> kept = ctx.get_saved_variables();
        using Tensor x = kept[0], weight = kept[1];
        var saved = (Saved)ctx.get_data(nameof(Saved));
        using Tensor gradient = incoming.contiguous();
        Tensor? quantizedInputGradient, quantizedWeightGradient, biasGradient;
        using (Tensor quantizedInput = saved.QuantizedInput(x), quantizedWeight = saved.QuantizedWeight(weight))
        {
            (quantizedInputGradient, quantizedWeightGradient, biasGradient) = ConvolutionBackward.Compute(
                gradient,
                quantizedInput,
                quantizedWeight,
                saved.Geometry,
                saved.InputNeedsGradient || saved.InputParametersNeedGradient,
                saved.WeightNeedsGradient || saved.WeightParametersNeedGradient,
                saved.BiasNeedsGradient);
        }

        (Tensor? inputGradient, IReadOnlyList<Tensor> inputParameters) = Through(saved.InputPass, x, quantizedInputGradient, saved.InputNeedsGradient);
        (Tensor? weightGradient, IReadOnlyList<Tensor> weightParameters) = Through(saved.WeightPass, weight, quantizedWeightGradient, saved.WeightNeedsGradient);
        List<Tensor> gradients = [inputGradient!, weightGradient!];
        if (saved.HasBias)
        {
            gradients.Add(biasGradient!);
        }

        return GradientHandover.Return([.. gradients, .. inputParameters, .. weightParameters, null!]);
    }

    // The gradients of an operand and of its pass's parameters from the gradient of what went into the convolution.
    private static (Tensor? Operand, IReadOnlyList<Tensor> Parameters) Through(
        QuantizationPass? pass, Tensor operand, Tensor? quantizedGradient, bool operandNeedsGradient)
    {
        if (pass is null)
        {
            return (quantizedGradient, []);
        }

        if (quantizedGradient is null)
        {
            return (null, [.. pass.Parameters.Select(_ => (Tensor)null!)]);
        }

        using (quantizedGradient)
        {
            return pass.Backward(operand, quantizedGradient, operandNeedsGradient);
        }
    }

    private static Tensor Convolve(Tensor input, Tensor weight, Tensor? bias, ConvolutionGeometry g) =>
        nn.functional.conv2d(input, weight, bias, g.Stride, g.Padding, g.Dilation, g.Groups);

    private sealed record Saved(QuantizationPass? InputPass, QuantizationPass? WeightPass, ConvolutionGeometry Geometry, bool HasBias)
    {
        public IEnumerable<Tensor> Parameters =>
            (InputPass?.Parameters ?? []).Concat(WeightPass?.Parameters ?? []);

        public bool InputNeedsGradient { get; init; }

        public bool WeightNeedsGradient { get; init; }

        public bool BiasNeedsGradient { get; init; }

        public bool InputParametersNeedGradient { get; init; }

        public bool WeightParametersNeedGradient { get; init; }

        // A new tensor either way, so the caller disposes what it gets.
        public Tensor QuantizedInput(Tensor x) => InputPass?.Forward(x) ?? x.alias();

        public Tensor QuantizedWeight(Tensor weight) => WeightPass?.Forward(weight) ?? weight.alias();
    }
}
