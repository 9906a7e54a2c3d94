using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>
/// The sum of a tensor over the processes as one autograd node: the gradient of each process's input is the sum of
/// the gradients of every process's output (the adjoint of a sum over processes is the same sum).
/// </summary>
internal sealed class AllReduceFunction : autograd.SingleTensorFunction<AllReduceFunction>
{
    /// <inheritdoc />
    public override string Name => "AllReduceSum";

    /// <summary>The sum of <paramref name="x"/> over <paramref name="group"/>, differentiable.</summary>
    public static Tensor Apply(Tensor x, IProcessGroup group) => apply([x, new Saved(group)]);

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var saved = (Saved)vars[1];
        ctx.save_data(nameof(Saved), saved);
        Tensor sum = ((Tensor)vars[0]).contiguous().clone();
        saved.Group.AllReduceSum(sum);
        return sum;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using Tensor incoming = grad_output;
        var saved = (Saved)ctx.get_data(nameof(Saved));
        Tensor sum = incoming.contiguous().clone();
        saved.Group.AllReduceSum(sum);
        return GradientHandover.Return([sum, null!]);
    }

    private sealed record Saved(IProcessGroup Group);
}
