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
}
