using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// A 2-D convolution whose weight and input pass through quantizers (see <see cref="QuantizedConvolution"/>). While
/// training on the CPU it can compute the quantizations and the convolution as one autograd node that recomputes the
/// quantized tensors in its backward (<see cref="RecomputeQuantizedInput"/>).
/// </summary>
public class QuantizedConv2d : QuantizedConvolution
{
    // Explicit 2-D padding only: what the recomputing node takes.
    private readonly ConvolutionGeometry? _geometry;

    /// <summary>Builds the layer from <paramref name="source"/> with <paramref name="scheme"/>'s quantizers.</summary>
    /// <param name="source">The float convolution; its tensors are copied, never aliased.</param>
    /// <param name="scheme">Builds the weight and input quantizers.</param>
    /// <param name="settings">Bits and options.</param>
    /// <param name="name">The module name TorchSharp reports; null for the scheme's layer name (<c>LSQConv</c>).</param>
    public QuantizedConv2d(Conv2d source, QuantScheme scheme, QuantLayerSettings settings, string? name = null)
        : base(source, scheme, settings, name) =>
        _geometry = Recomputable(settings);

    /// <summary>Builds the layer from <paramref name="source"/> with quantizers of your own; see <see cref="QuantizedLayer"/>.</summary>
    protected QuantizedConv2d(
        string name,
        Conv2d source,
        QuantLayerSettings settings,
        Func<Quantizer> weightQuantizer,
        Func<Quantizer> inputQuantizer)
        : base(name, source, settings, weightQuantizer, inputQuantizer) =>
        _geometry = Recomputable(settings);

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

    private ConvolutionGeometry? Recomputable(QuantLayerSettings settings)
    {
        RecomputeQuantizedInput = RecomputeQuantizedWeight = settings.Options.RecomputeQuantized;
        return PaddingSize is { Count: 2 } ? new ConvolutionGeometry([.. Stride], [.. PaddingSize], [.. Dilation], Groups) : null;
    }

    // What the recomputing node computes: explicit zero padding on a 4-D input of the weight's kind.
    private bool TakesNode(Tensor input, Tensor weight) =>
        PaddingMode == PaddingModes.Zeros
        && _geometry is not null
        && input.dim() == 4
        && input.dtype == weight.dtype
        && input.device_type == weight.device_type;
}
