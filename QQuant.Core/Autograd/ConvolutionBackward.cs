using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// libtorch's own 2-D convolution backward (the kernel autograd runs for <c>conv2d</c>), which TorchSharp 0.107
/// does not expose, reached through a TorchScript function compiled once.
/// </summary>
internal static class ConvolutionBackward
{
    // TorchScript's invoke takes scalars, not lists, so the script builds the lists. It returns only the gradients
    // asked for: TorchSharp counts an undefined tensor as live even after it is disposed. The source is fixed (a
    // compile error would end the process, and every test run compiles it); the parser wants a final newline.
    private const string Script = """
        def convolution_backward(grad: Tensor, input: Tensor, weight: Tensor, stride_h: int, stride_w: int, padding_h: int, padding_w: int, dilation_h: int, dilation_w: int, groups: int, input_grad: bool, weight_grad: bool, bias_grad: bool):
            bias_sizes: Optional[List[int]] = None
            if bias_grad:
                bias_sizes = [weight.size(0)]
            grads = torch.convolution_backward(grad, input, weight, bias_sizes, [stride_h, stride_w], [padding_h, padding_w], [dilation_h, dilation_w], False, [0, 0], groups, [input_grad, weight_grad, bias_grad])
            defined: List[Tensor] = []
            if input_grad:
                defined.append(grads[0])
            if weight_grad:
                defined.append(grads[1])
            if bias_grad:
                defined.append(grads[2])
            return defined

        """;

    private static readonly Lazy<jit.CompilationUnit> Unit = new(() => jit.compile(Script));

    /// <summary>
    /// The gradients of <c>conv2d(input, weight, bias, geometry)</c>'s input, weight and bias from the output's
    /// <paramref name="gradient"/>; each is null unless asked for (at least one must be).
    /// </summary>
    public static (Tensor? Input, Tensor? Weight, Tensor? Bias) Compute(
        Tensor gradient, Tensor input, Tensor weight, ConvolutionGeometry geometry, bool inputGradient, bool weightGradient, bool biasGradient)
    {
        var defined = new Queue<Tensor>((Tensor[])Unit.Value.invoke(
            "convolution_backward",
            gradient, input, weight,
            geometry.Stride[0], geometry.Stride[1], geometry.Padding[0], geometry.Padding[1], geometry.Dilation[0], geometry.Dilation[1], geometry.Groups,
            inputGradient, weightGradient, biasGradient));
        return (inputGradient ? defined.Dequeue() : null, weightGradient ? defined.Dequeue() : null, biasGradient ? defined.Dequeue() : null);
    }
}

/// <summary>A 2-D convolution's stride, explicit zero padding, dilation and groups.</summary>
internal sealed record ConvolutionGeometry(long[] Stride, long[] Padding, long[] Dilation, long Groups);
