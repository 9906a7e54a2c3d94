using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// A convolution whose weight and input pass through quantizers: the shared half of <see cref="QuantizedConv1d"/>,
/// <see cref="QuantizedConv2d"/>, <see cref="QuantizedConv3d"/> and the transposed convolutions. It copies the float
/// <see cref="Convolution"/>'s weight, bias, stride, padding (including <c>Same</c>/<c>Valid</c> and non-zero padding
/// modes), dilation, output padding and groups, and computes what the float layer computes on the quantized tensors.
/// </summary>
/// <remarks>
/// Two deliberate differences from TorchSharp 0.107's float layers, both where those differ from PyTorch: with
/// <c>Padding.Same</c>, a non-zero padding mode and a non-square kernel, <c>Conv2d</c> pads the spatial dimensions in
/// the wrong order (its output changes size), while this layer pads each dimension for its own kernel size; and a
/// transposed convolution passes only the first output padding on (so <c>(1, 0)</c> acts as <c>(1, 1)</c>), while
/// this layer passes each dimension's.
/// </remarks>
public abstract class QuantizedConvolution : QuantizedLayer
{
    private long[] _reversedPaddingTwice = [];

    /// <summary>Builds the layer from <paramref name="source"/> with <paramref name="scheme"/>'s quantizers.</summary>
    /// <param name="source">The float convolution; its tensors are copied, never aliased.</param>
    /// <param name="scheme">Builds the weight and input quantizers.</param>
    /// <param name="settings">Bits and options.</param>
    /// <param name="name">The module name TorchSharp reports; null for the scheme's layer name (<c>LSQConv</c>).</param>
    protected QuantizedConvolution(Convolution source, QuantScheme scheme, QuantLayerSettings settings, string? name = null)
        : base(name ?? scheme.LayerName(source.GetType()), source.weight, source.bias, settings, scheme) =>
        CopyGeometry(source);

    /// <summary>Builds the layer from <paramref name="source"/> with quantizers of your own; see <see cref="QuantizedLayer"/>.</summary>
    protected QuantizedConvolution(
        string name,
        Convolution source,
        QuantLayerSettings settings,
        Func<Quantizer> weightQuantizer,
        Func<Quantizer> inputQuantizer)
        : base(name, source.weight, source.bias, settings, weightQuantizer, inputQuantizer) =>
        CopyGeometry(source);

    /// <summary>The number of spatial dimensions (1, 2 or 3).</summary>
    public int Dimensions => KernelSize.Count;

    /// <summary>True for a transposed convolution.</summary>
    public bool Transposed { get; private set; }

    /// <summary>Input channels.</summary>
    public long InChannels { get; private set; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; private set; }

    /// <summary>Kernel size per spatial dimension.</summary>
    public IReadOnlyList<long> KernelSize { get; private set; } = [];

    /// <summary>Stride per spatial dimension.</summary>
    public IReadOnlyList<long> Stride { get; private set; } = [];

    /// <summary>Explicit padding per spatial dimension, or null when <see cref="PaddingType"/> is set.</summary>
    public IReadOnlyList<long>? PaddingSize { get; private set; }

    /// <summary><c>Same</c> or <c>Valid</c> padding, or null when <see cref="PaddingSize"/> is explicit.</summary>
    public Padding? PaddingType { get; private set; }

    /// <summary>Dilation per spatial dimension.</summary>
    public IReadOnlyList<long> Dilation { get; private set; } = [];

    /// <summary>Extra size added to one side of each spatial output dimension (transposed convolutions; zeros otherwise).</summary>
    public IReadOnlyList<long> OutputPadding { get; private set; } = [];

    /// <summary>Blocked connections from input to output channels.</summary>
    public long Groups { get; private set; }

    /// <summary>How the border is padded (zeros, reflect, replicate, circular).</summary>
    public PaddingModes PaddingMode { get; private set; }

    /// <inheritdoc />
    protected override Tensor Compute(Tensor input, Tensor weight, Tensor? bias)
    {
        long[] stride = [.. Stride];
        long[] dilation = [.. Dilation];
        if (Transposed)
        {
            long[] padding = [.. PaddingSize!], outputPadding = [.. OutputPadding];
            return Dimensions switch
            {
                1 => nn.functional.conv_transpose1d(input, weight, bias, stride[0], padding[0], outputPadding[0], dilation[0], Groups),
                2 => nn.functional.conv_transpose2d(input, weight, bias, stride, padding, outputPadding, dilation, Groups),
                _ => nn.functional.conv_transpose3d(input, weight, bias, stride, padding, outputPadding, dilation, Groups),
            };
        }

        if (PaddingMode != PaddingModes.Zeros)
        {
            using Tensor padded = nn.functional.pad(input, _reversedPaddingTwice, PaddingMode);
            return Convolve(padded, weight, bias, stride, new long[Dimensions], dilation);
        }

        if (PaddingType is { } type)
        {
            return Dimensions switch
            {
                1 => nn.functional.conv1d_padding(input, weight, bias, stride[0], type, dilation[0], Groups),
                2 => nn.functional.conv2d_padding(input, weight, bias, stride, type, dilation, Groups),
                _ => nn.functional.conv3d_padding(input, weight, bias, stride, type, dilation, Groups),
            };
        }

        return Convolve(input, weight, bias, stride, [.. PaddingSize!], dilation);
    }

    private Tensor Convolve(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation) =>
        Dimensions switch
        {
            1 => nn.functional.conv1d(input, weight, bias, stride[0], padding[0], dilation[0], Groups),
            2 => nn.functional.conv2d(input, weight, bias, stride, padding, dilation, Groups),
            _ => nn.functional.conv3d(input, weight, bias, stride, padding, dilation, Groups),
        };

    private void CopyGeometry(Convolution source)
    {
        if (source.transposed && source.padding_mode != PaddingModes.Zeros)
        {
            throw new ArgumentException(
                $"{source.GetType().Name} pads only with zeros (padding_mode {source.padding_mode}), as in PyTorch.", nameof(source));
        }

        Transposed = source.transposed;
        InChannels = source.in_channels;
        OutChannels = source.out_channels;
        KernelSize = [.. source.kernel_size];
        Stride = [.. source.stride];
        PaddingSize = source.padding is null ? null : [.. source.padding];
        PaddingType = source.padding_type;
        Dilation = [.. source.dilation];
        OutputPadding = source.transposed ? [.. source.output_padding] : new long[source.kernel_size.Length];
        Groups = source.groups;
        PaddingMode = source.padding_mode;
        _reversedPaddingTwice = ReversedPaddingTwice();
    }

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
