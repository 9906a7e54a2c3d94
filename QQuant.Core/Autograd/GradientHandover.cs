using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Releases the managed references a custom autograd node's backward leaves behind. TorchSharp 0.107 wraps each
/// incoming gradient in a new managed tensor and copies each returned gradient into libtorch's graph without
/// releasing the managed one, so both stay alive until their dispose scope ends (or the garbage collector runs):
/// over a backward, every node's gradients at once. A backward disposes its incoming gradient itself and returns its
/// gradients through <see cref="Return"/>, which disposes the ones the previous backward on the same thread returned:
/// libtorch has taken its own reference to those by then.
/// </summary>
internal static class GradientHandover
{
    [ThreadStatic]
    private static List<Tensor>? _returned;

    /// <summary>Hands <paramref name="gradients"/> back (nulls allowed), releasing the previous backward's.</summary>
    public static List<Tensor> Return(List<Tensor> gradients)
    {
        if (_returned is not null)
        {
            foreach (Tensor previous in _returned)
            {
                previous.Dispose();
            }
        }

        _returned = [.. gradients.Where(g => g is not null)];
        return gradients;
    }
}
