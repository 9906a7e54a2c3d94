using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>
/// Every trainable parameter's gradient as a view into one flat tensor per device and dtype (PyTorch DDP's buckets):
/// backward accumulates into the views, and <see cref="Average"/> averages all of them over the processes with one
/// in-place allreduce per bucket. Zero the gradients with the optimizer's <c>zero_grad()</c> (in place), not the
/// module's, which drops the views.
/// </summary>
public sealed class GradientBuckets : IDisposable
{
    private readonly List<Tensor> _buckets = [];
    private readonly List<Tensor> _views = [];

    /// <summary>Gives each parameter of <paramref name="parameters"/> that requires a gradient a view into its bucket (zeroed).</summary>
    public GradientBuckets(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        List<Parameter> trainable = [.. parameters.Where(p => p.requires_grad).Distinct(ReferenceEqualityComparer.Instance).Cast<Parameter>()];
        foreach (IGrouping<(Device, ScalarType), Parameter> group in trainable.GroupBy(p => (p.device, p.dtype)))
        {
            (Device device, ScalarType dtype) = group.Key;
            Tensor bucket = zeros(group.Sum(p => p.numel()), dtype, device);
            long offset = 0;
            foreach (Parameter parameter in group)
            {
                long count = parameter.numel();
                Tensor view = bucket.narrow(0, offset, count).view(parameter.shape);
                parameter.grad = view;
                _views.Add(view);
                offset += count;
            }

            _buckets.Add(bucket);
        }
    }

    /// <summary>The bytes one <see cref="Average"/> reduces per process.</summary>
    public long Bytes => _buckets.Sum(b => b.numel() * b.element_size());

    /// <summary>The number of parameters with a view.</summary>
    public int Parameters => _views.Count;

    /// <summary>Replaces every gradient by its mean over the processes of <paramref name="group"/>.</summary>
    /// <param name="group">The processes.</param>
    /// <param name="perTensor">One allreduce per parameter instead of per bucket (to measure what buckets save).</param>
    public void Average(IProcessGroup group, bool perTensor = false)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Size == 1)
        {
            return;
        }

        using var noGrad = no_grad();
        foreach (Tensor tensor in perTensor ? _views : _buckets)
        {
            group.AllReduceSum(tensor);
        }

        _buckets.ForEach(b => b.div_(group.Size));
    }

    /// <summary>Releases the buckets (the parameters' gradients then no longer reach them).</summary>
    public void Dispose()
    {
        _views.ForEach(v => v.Dispose());
        _buckets.ForEach(b => b.Dispose());
        _views.Clear();
        _buckets.Clear();
    }
}
