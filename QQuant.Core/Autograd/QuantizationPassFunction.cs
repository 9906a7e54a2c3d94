using static TorchSharp.torch;

namespace QQuant;

/// <summary>A <see cref="QuantizationPass"/> as one autograd node: the input and the pass's parameters go in.</summary>
internal sealed class QuantizationPassFunction : autograd.SingleTensorFunction<QuantizationPassFunction>
{
    /// <inheritdoc />
    public override string Name => "FusedFakeQuantize";

    /// <summary>Fake-quantizes <paramref name="x"/> with <paramref name="pass"/>, recording gradients when autograd is on.</summary>
    public static Tensor Apply(Tensor x, QuantizationPass pass)
    {
        if (!pass.IsRecorded(x))
        {
            return pass.Forward(x);
        }

        return LeafInput.Through(x, input => apply([input, .. pass.Parameters, new Saved(pass)]));
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var saved = (Saved)vars[^1];
        ctx.save_for_backward([x]);
        ctx.save_data(nameof(Saved), saved with { InputNeedsGradient = x.requires_grad });
        return saved.Pass.Forward(x);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using Tensor incoming = grad_output;
        using Tensor x = ctx.get_saved_variables()[0];
        var saved = (Saved)ctx.get_data(nameof(Saved));
        using Tensor gradient = incoming.contiguous();
        (Tensor? input, IReadOnlyList<Tensor> parameters) = saved.Pass.Backward(x, gradient, saved.InputNeedsGradient);
        return GradientHandover.Return([input!, .. parameters, null!]);
    }

    private sealed record Saved(QuantizationPass Pass)
    {
        public bool InputNeedsGradient { get; init; } = true;
    }
}
