using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>Makes every process's model state rank 0's: parameters and buffers, quantizer state included.</summary>
public static class StateBroadcast
{
    /// <summary>
    /// Overwrites every tensor of <paramref name="model"/>'s state with process <paramref name="root"/>'s (integer
    /// buffers through float64, exact below 2^53).
    /// </summary>
    public static void BroadcastState(this IProcessGroup group, nn.Module model, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(model);
        if (group.Size == 1)
        {
            return;
        }

        using var noGrad = no_grad();
        foreach ((string _, Tensor tensor) in model.state_dict())
        {
            if (tensor.dtype is ScalarType.Float32 or ScalarType.Float64 && tensor.is_contiguous())
            {
                group.Broadcast(tensor, root);
                continue;
            }

            using Tensor carrier = tensor.to(ScalarType.Float64).contiguous();
            group.Broadcast(carrier, root);
            tensor.copy_(carrier);
        }
    }

    /// <summary>
    /// Overwrites every floating-point buffer of <paramref name="model"/> (BatchNorm running statistics, quantizers'
    /// tracked ranges) with rank 0's in one broadcast, as PyTorch DDP does before each forward: the buffers a process
    /// updates from its own batch stay the same everywhere.
    /// </summary>
    public static void BroadcastBuffers(this IProcessGroup group, nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(model);
        if (group.Size == 1)
        {
            return;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor[] buffers = [.. model.buffers().Where(b => b.dtype is ScalarType.Float32 or ScalarType.Float64)];
        foreach (IGrouping<(DeviceType, int, ScalarType), Tensor> kind in buffers.GroupBy(b => (b.device_type, b.device_index, b.dtype)))
        {
            Tensor flat = cat([.. kind.Select(b => b.reshape(-1))]);
            group.Broadcast(flat);
            long offset = 0;
            foreach (Tensor buffer in kind)
            {
                buffer.copy_(flat.narrow(0, offset, buffer.numel()).view(buffer.shape));
                offset += buffer.numel();
            }
        }
    }

    /// <summary>
    /// Checks that every process holds the same model state as rank 0 (a weighted checksum of every state tensor,
    /// compared exactly): data parallelism keeps them identical, so a difference is a bug or a process that diverged.
    /// </summary>
    /// <exception cref="DistributedException">The state of some process differs from rank 0's (thrown on every process).</exception>
    public static void CheckStatesAgree(this IProcessGroup group, nn.Module model, string when)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(model);
        if (group.Size == 1)
        {
            return;
        }

        double local = 0;
        int index = 0;
        using (no_grad())
        {
            foreach ((string _, Tensor tensor) in model.state_dict())
            {
                using Tensor sum = tensor.to(ScalarType.Float64).sum();
                local += ++index * sum.item<double>();
            }
        }

        using Tensor root = tensor(new[] { local }, ScalarType.Float64);
        group.Broadcast(root);
        double[] differing = [root.item<double>().Equals(local) ? 0 : 1];
        group.AllReduceSum(differing);
        if (differing[0] > 0)
        {
            throw new DistributedException(
                $"The model state of {differing[0]} of {group.Size} processes differs from rank 0's {when}: data-parallel training keeps them identical.")
            {
                OnEveryProcess = true,
            };
        }
    }
}
