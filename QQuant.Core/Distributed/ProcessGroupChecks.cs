using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>The argument checks every <see cref="IProcessGroup"/> makes, so one process does not fail where another would not.</summary>
internal static class ProcessGroupChecks
{
    public static void Floating(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.dtype is not (ScalarType.Float32 or ScalarType.Float64) || !tensor.is_contiguous())
        {
            throw new ArgumentException(
                $"Collectives take contiguous float32 or float64 tensors; got {tensor.dtype}{(tensor.is_contiguous() ? "" : ", not contiguous")}.", nameof(tensor));
        }
    }

    public static void Root(int root, int size)
    {
        if (root < 0 || root >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(root), root, $"The root is a rank in [0, {size}).");
        }
    }
}
