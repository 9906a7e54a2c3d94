using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The base class of quantizer modules: a <see cref="nn.Module{T, TResult}"/> from tensor to tensor that knows its
/// bit width. Derive from it to write a quantizer that <see cref="QuantizedConv2d"/> and
/// <see cref="QuantizedLinear"/> can hold.
/// </summary>
/// <remarks>
/// As for any TorchSharp module, a field holding a parameter or buffer must be named like the registered tensor (or
/// carry <c>[ComponentName(Name = "...")]</c>) and not be <c>readonly</c>: <c>to(device or dtype)</c> replaces the
/// tensor and writes the new one back into that field. Quantized models are moved to the float weights' device and
/// dtype when they are built.
/// </remarks>
public abstract class Quantizer : nn.Module<Tensor, Tensor>, IQuantizer
{
    /// <summary>Creates the quantizer; derived constructors call <c>RegisterComponents()</c> once their state exists.</summary>
    /// <param name="name">The module name TorchSharp reports.</param>
    /// <param name="bits">The bit width: 1..8, or 32 for a quantizer that leaves the tensor float.</param>
    protected Quantizer(string name, int bits) : base(name)
    {
        if (!QuantLayerSettings.IsValidBits(bits))
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "Bits must be 1..8, or 32 for a float tensor.");
        }

        Bits = bits;
        Location = name;
    }

    /// <inheritdoc />
    public int Bits { get; }

    /// <summary>
    /// Where the quantizer sits, for messages: its path in the model (for example
    /// <c>layer1.0.conv1.input_quantizer</c>) once the model is quantized, otherwise its module name.
    /// </summary>
    public string Location { get; internal set; }

    /// <summary>
    /// Use the quantizer's fused CPU kernel where it applies (the default); false forces the composed TorchSharp path,
    /// the reference the kernels are tested against. A quantizer without a kernel ignores it.
    /// </summary>
    public bool UseFusedKernel { get; set; } = true;

    /// <summary>Whether quantizing <paramref name="input"/> now runs the fused kernel.</summary>
    public bool FusesFor(Tensor input) => UseFusedKernel && KernelAccepts(input);

    /// <summary>True when forward hooks are registered on this module (a caller that runs a pass itself would skip them).</summary>
    protected bool HasForwardHooks => pre_hooks.Count + post_hooks.Count + module_pre_hooks.Count + module_post_hooks.Count > 0;

    /// <summary>
    /// The fake quantization of <paramref name="input"/> as a pass the caller runs itself, or null when this quantizer
    /// has none for it or has forward hooks (which must see the call): then call the module.
    /// </summary>
    public virtual QuantizationPass? PassFor(Tensor input) => HasForwardHooks ? null : CreatePass(input);

    /// <summary>
    /// Moves learned state back into its valid range after an optimizer step (the trainer calls it after every step;
    /// a loop of your own calls <see cref="QuantizerProjection.ProjectQuantizerState"/>). Nothing by default.
    /// </summary>
    public virtual void ProjectState()
    {
    }

    /// <summary>
    /// The multiple of the optimizer's weight decay this quantizer's parameters get when the config leaves
    /// <c>optimizer.paramwiseCfg.quantizerDecayMult</c> unset: its method's recipe. 0 by default (step sizes and bounds
    /// are not decayed, since decay pulls them towards zero).
    /// </summary>
    public virtual double DefaultDecayMult => 0;

    /// <summary>
    /// Whether the quantizer's fused kernel takes <paramref name="input"/> (for example a contiguous float32 CPU
    /// tensor); false by default, for a quantizer without one.
    /// </summary>
    protected virtual bool KernelAccepts(Tensor input) => false;

    /// <summary>
    /// A fused pass for <paramref name="input"/>, or null (the default) when the module's own forward must run. The
    /// pass must compute what the forward computes.
    /// </summary>
    protected virtual QuantizationPass? CreatePass(Tensor input) => null;
}
