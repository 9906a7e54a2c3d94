using static TorchSharp.torch;

namespace QQuant;

/// <summary>How a custom autograd node takes its input without costing a gradient copy.</summary>
internal static class LeafInput
{
    /// <summary>
    /// Calls <paramref name="node"/> on <paramref name="x"/>, or on a view of it when it is a leaf that wants a
    /// gradient. The input's gradient goes back through a managed wrapper that keeps a reference to it, so a leaf's
    /// AccumulateGrad would copy it; a view's backward hands on a new tensor over the same storage, which it takes.
    /// </summary>
    public static Tensor Through(Tensor x, Func<Tensor, Tensor> node)
    {
        if (!x.is_leaf || !x.requires_grad)
        {
            return node(x);
        }

        using Tensor view = x.view(x.shape);
        return node(view);
    }
}
