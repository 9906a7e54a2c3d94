using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// libtorch's own 2-D convolution backward (the kernel autograd runs for <c>conv2d</c>), which TorchSharp 0.107
/// does not expose, reached through a TorchScript function compiled once.
/// </summary>
internal static class ConvolutionBackward
{
    // The integers and flags travel in one int64 tensor that the caller holds: TorchSharp 0.107's invoke wraps number
    // and bool arguments in Scalars it does not keep alive, so a garbage collection during the call can free one
    // before libtorch reads it (a training run aborted in PACT's epoch with "Scalar::toLong ... Expected false to be
    // true"). It returns only the gradients asked for: TorchSharp counts an undefined tensor as live even after it is
    // disposed. The source is fixed (a compile error would end the process, and every test run compiles it); the
    // parser wants a final newline.
    private const string Script = """
        def convolution_backward(grad: Tensor, input: Tensor, weight: Tensor, settings: Tensor):
            s: List[int] = settings.tolist()
            input_grad = s[7] != 0
            weight_grad = s[8] != 0
            bias_grad = s[9] != 0
            bias_sizes: Optional[List[int]] = None
            if bias_grad:
                bias_sizes = [weight.size(0)]
            grads = torch.convolution_backward(grad, input, weight, bias_sizes, [s[0], s[1]], [s[2], s[3]], [s[4], s[5]], False, [0, 0], s[6], [input_grad, weight_grad, bias_grad])
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
        // Host metadata, read by the script on the host whatever the tensors' device.
        using Tensor settings = tensor(new long[]
        {
            geometry.Stride[0], geometry.Stride[1], geometry.Padding[0], geometry.Padding[1], geometry.Dilation[0], geometry.Dilation[1], geometry.Groups,
            inputGradient ? 1 : 0, weightGradient ? 1 : 0, biasGradient ? 1 : 0,
        });
        var defined = new Queue<Tensor>((Tensor[])Unit.Value.invoke("convolution_backward", gradient, input, weight, settings));
        return (inputGradient ? defined.Dequeue() : null, weightGradient ? defined.Dequeue() : null, biasGradient ? defined.Dequeue() : null);
    }
}

/// <summary>A 2-D convolution's stride, explicit zero padding, dilation and groups.</summary>
internal sealed record ConvolutionGeometry(long[] Stride, long[] Padding, long[] Dilation, long Groups);
