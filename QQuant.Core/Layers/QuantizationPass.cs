using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// One fake quantization of one input, as two passes its caller runs itself: the forward (without autograd) and the
/// backward from the quantized tensor's gradient. A quantizer with a fused kernel hands one out
/// (<see cref="Quantizer.PassFor"/>); the quantized convolutions use it to recompute their quantized input
/// in their backward instead of keeping it from the forward.
/// </summary>
/// <remarks>
/// A pass is made for one input and holds the quantizer's state as it was then, so the backward differentiates what
/// the forward computed even after an optimizer step changed the state.
/// </remarks>
public abstract class QuantizationPass
{
    /// <summary>The learned tensors whose gradients <see cref="Backward"/> returns, in the same order.</summary>
    public abstract IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The fake-quantized <paramref name="input"/> (the input this pass was made for, or its saved copy).</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>
    /// The gradients of the input (null when <paramref name="inputNeedsGradient"/> is false) and of each of
    /// <see cref="Parameters"/>, from <paramref name="gradient"/>, the gradient of the quantized tensor. They must be
    /// new tensors: the caller hands them to autograd and disposes them.
    /// </summary>
    public abstract (Tensor? Input, IReadOnlyList<Tensor> Parameters) Backward(Tensor input, Tensor gradient, bool inputNeedsGradient);

    /// <summary>
    /// The fake-quantized <paramref name="input"/> as one autograd node over the input and <see cref="Parameters"/>
    /// (without autograd, just <see cref="Forward"/>).
    /// </summary>
    public Tensor Apply(Tensor input) => QuantizationPassFunction.Apply(input, this);

    /// <summary>Whether autograd would record a node for this pass on <paramref name="input"/>.</summary>
    internal bool IsRecorded(Tensor input) =>
        is_grad_enabled() && (input.requires_grad || Parameters.Any(p => p.requires_grad));
}
