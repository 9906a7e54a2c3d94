using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>
/// A <see cref="BatchNorm2d"/> whose training batch statistics are those of the whole batch over every process
/// (PyTorch's SyncBatchNorm): per-channel sums and counts, then sums of squared deviations from the mean, are summed
/// over the processes, and so are their gradients. It holds the BatchNorm's own parameters and buffers under the same names, so checkpoints do not
/// change; in evaluation it is the BatchNorm.
/// </summary>
public sealed class SyncBatchNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly IProcessGroup _group;
    private readonly double _eps;
    private readonly double _momentum;

    /// <summary>Synchronises <paramref name="norm"/>'s statistics over <paramref name="group"/>.</summary>
    public SyncBatchNorm2d(BatchNorm2d norm, IProcessGroup group)
        : base(nameof(SyncBatchNorm2d))
    {
        Original = norm ?? throw new ArgumentNullException(nameof(norm));
        _group = group ?? throw new ArgumentNullException(nameof(group));
        if (norm.running_mean is null || norm.running_var is null)
        {
            throw new ArgumentException("SyncBatchNorm2d needs a BatchNorm2d that tracks running statistics.", nameof(norm));
        }

        _eps = norm.eps;
        _momentum = norm.momentum ?? throw new ArgumentException("SyncBatchNorm2d needs a BatchNorm2d with a momentum (not a cumulative average).", nameof(norm));
        if (norm.weight is not null)
        {
            register_parameter("weight", norm.weight);
        }

        if (norm.bias is not null)
        {
            register_parameter("bias", norm.bias);
        }

        register_buffer("running_mean", norm.running_mean);
        register_buffer("running_var", norm.running_var);
        if (norm.num_batches_tracked is not null)
        {
            register_buffer("num_batches_tracked", norm.num_batches_tracked);
        }

        train(norm.training);
    }

    /// <summary>The BatchNorm this one synchronises (sharing its tensors).</summary>
    public BatchNorm2d Original { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (!training)
        {
            Original.eval();
            return Original.call(input);
        }

        using var scope = NewDisposeScope();
        long channels = input.shape[1];
        long count = input.numel() / channels;
        // Two passes, as BatchNorm's own kernels: E[x²] − E[x]² loses the variance of channels whose mean is large.
        Tensor sums = AllReduceFunction.Apply(cat([input.sum([0, 2, 3]), full(1, (double)count, input.dtype, input.device)]), _group);
        Tensor samples = sums[-1];
        Tensor mean = sums[..(int)channels] / samples;
        Tensor centred = input - mean.view(1, channels, 1, 1);
        Tensor variance = AllReduceFunction.Apply(centred.square().sum([0, 2, 3]), _group) / samples;
        using (no_grad())
        {
            Tensor unbiased = variance * samples / (samples - 1).clamp_min(1);
            Original.running_mean!.mul_(1 - _momentum).add_(mean.detach() * _momentum);
            Original.running_var!.mul_(1 - _momentum).add_(unbiased.detach() * _momentum);
            Original.num_batches_tracked?.add_(1);
        }

        Tensor y = centred * (variance + _eps).rsqrt().view(1, channels, 1, 1);
        if (Original.weight is not null)
        {
            y = y * Original.weight.view(1, channels, 1, 1);
        }

        if (Original.bias is not null)
        {
            y = y + Original.bias.view(1, channels, 1, 1);
        }

        return y.MoveToOuterDisposeScope();
    }
}
