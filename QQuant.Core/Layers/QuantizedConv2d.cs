using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// A 2-D convolution whose weight and input pass through quantizers: the base of every quantized conv layer. It
/// copies the float <see cref="Conv2d"/>'s weight, bias, stride, padding (including <c>Same</c>/<c>Valid</c> and
/// non-zero padding modes), dilation and groups, and computes exactly what the float layer computes on the
/// quantized tensors.
/// </summary>
/// <remarks>
/// One deliberate difference: with <c>Padding.Same</c>, a non-zero padding mode and a non-square kernel, TorchSharp
/// 0.107's <c>Conv2d</c> pads the two spatial dimensions in the wrong order (its output changes size); this layer pads
/// each dimension for its own kernel size, as PyTorch does.
/// </remarks>
public abstract class QuantizedConv2d : QuantizedLayer
{
    private readonly long[] _reversedPaddingTwice;

    // Explicit 2-D padding only: what the recomputing node takes.
    private readonly ConvolutionGeometry? _geometry;

    /// <summary>Builds the layer from <paramref name="source"/>; see <see cref="QuantizedLayer"/> for the tensors.</summary>
    protected QuantizedConv2d(
        string name,
        Conv2d source,
        QuantLayerSettings settings,
        Func<Quantizer> weightQuantizer,
        Func<Quantizer> inputQuantizer)
        : base(name, source.weight, source.bias, settings, weightQuantizer, inputQuantizer)
    {
        InChannels = source.in_channels;
        OutChannels = source.out_channels;
        KernelSize = [.. source.kernel_size];
        Stride = [.. source.stride];
        PaddingSize = source.padding is null ? null : [.. source.padding];
        PaddingType = source.padding_type;
        Dilation = [.. source.dilation];
        Groups = source.groups;
        PaddingMode = source.padding_mode;
        _reversedPaddingTwice = ReversedPaddingTwice();
        RecomputeQuantizedInput = RecomputeQuantizedWeight = settings.Options.RecomputeQuantized;
        _geometry = PaddingSize is { Count: 2 } ? new ConvolutionGeometry([.. Stride], [.. PaddingSize], [.. Dilation], Groups) : null;
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public IReadOnlyList<long> KernelSize { get; }

    /// <summary>Stride per spatial dimension.</summary>
    public IReadOnlyList<long> Stride { get; }

    /// <summary>Explicit padding per spatial dimension, or null when <see cref="PaddingType"/> is set.</summary>
    public IReadOnlyList<long>? PaddingSize { get; }

    /// <summary><c>Same</c> or <c>Valid</c> padding, or null when <see cref="PaddingSize"/> is explicit.</summary>
    public Padding? PaddingType { get; }

    /// <summary>Dilation per spatial dimension.</summary>
    public IReadOnlyList<long> Dilation { get; }

    /// <summary>Blocked connections from input to output channels.</summary>
    public long Groups { get; }

    /// <summary>How the border is padded (zeros, reflect, replicate, circular).</summary>
    public PaddingModes PaddingMode { get; }

    /// <summary>
    /// Whether a training step recomputes the quantized input in its backward instead of keeping it (the default:
    /// the settings' <see cref="QuantLayerOptions.RecomputeQuantized"/>). This applies when the input quantizer has a
    /// fused kernel for the input (contiguous float32 on the CPU) and the padding is explicit zeros; it saves one
    /// input-sized tensor per layer for one more element-wise pass. Forward hooks on the input quantizer turn it off
    /// for their calls.
    /// </summary>
    public bool RecomputeQuantizedInput { get; set; }

    /// <summary>
    /// Whether a training step recomputes the quantized weight in its backward instead of keeping it (the default:
    /// the settings' <see cref="QuantLayerOptions.RecomputeQuantized"/>), under the same conditions as
    /// <see cref="RecomputeQuantizedInput"/> for the weight quantizer; it saves one weight-sized tensor per layer for
    /// one more pass over the weight. It does not apply in evaluation when the quantized weight is reused.
    /// </summary>
    public bool RecomputeQuantizedWeight { get; set; }

    /// <inheritdoc />
    protected override bool RecomputesInput(Tensor input, Tensor weight) => RecomputeQuantizedInput && TakesNode(input, weight);

    /// <inheritdoc />
    protected override bool RecomputesWeight(Tensor input, Tensor weight) => RecomputeQuantizedWeight && TakesNode(input, weight);

    /// <inheritdoc />
    protected override Tensor ComputeWithPasses(Tensor input, QuantizationPass? inputPass, Tensor weight, QuantizationPass? weightPass, Tensor? bias) =>
        QuantizedConvolutionFunction.Apply(input, inputPass, weight, weightPass, bias, _geometry!);

    /// <inheritdoc />
    protected override Tensor Compute(Tensor input, Tensor weight, Tensor? bias)
    {
        long[] stride = [.. Stride];
        long[] dilation = [.. Dilation];
        if (PaddingMode != PaddingModes.Zeros)
        {
            using Tensor padded = nn.functional.pad(input, _reversedPaddingTwice, PaddingMode);
            return nn.functional.conv2d(padded, weight, bias, stride, [0L, 0L], dilation, Groups);
        }

        return PaddingType is { } type
            ? nn.functional.conv2d_padding(input, weight, bias, stride, type, dilation, Groups)
            : nn.functional.conv2d(input, weight, bias, stride, [.. PaddingSize!], dilation, Groups);
    }

    // What the recomputing node computes: explicit zero padding on a 4-D input of the weight's kind.
    private bool TakesNode(Tensor input, Tensor weight) =>
        PaddingMode == PaddingModes.Zeros
        && _geometry is not null
        && input.dim() == 4
        && input.dtype == weight.dtype
        && input.device_type == weight.device_type;

    // The amounts F.pad expects (last dimension first, each side), as the float layer computes them.
    private long[] ReversedPaddingTwice()
    {
        if (PaddingSize is not null)
        {
            return PaddingSize.Reverse().SelectMany(p => new[] { p, p }).ToArray();
        }

        var amounts = new long[KernelSize.Count * 2];
        if (PaddingType == Padding.Same)
        {
            for (int i = KernelSize.Count - 1, slot = 0; i >= 0; i--, slot += 2)
            {
                long total = Dilation[i] * (KernelSize[i] - 1);
                amounts[slot] = total / 2;
                amounts[slot + 1] = total - total / 2;
            }
        }

        return amounts;
    }
}
