using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>
/// Forward hooks that keep a detached copy of what chosen modules receive or return during one forward pass, under
/// a key per module. A module called more than once in a pass keeps its first call's tensor. Disposing removes the
/// hooks and frees the copies.
/// </summary>
internal sealed class TensorCapture : IDisposable
{
    private readonly List<Action> _removers = [];
    private readonly Dictionary<string, Tensor> _captured = [];

    /// <summary>Keeps what <paramref name="module"/> receives under <paramref name="key"/>.</summary>
    public void Input(string key, nn.Module<Tensor, Tensor> module) =>
        _removers.Add(module.register_forward_hook((_, input, output) => Keep(key, input, output)).remove);

    /// <summary>Keeps what <paramref name="module"/> returns under <paramref name="key"/>.</summary>
    public void Output(string key, nn.Module<Tensor, Tensor> module) =>
        _removers.Add(module.register_forward_hook((_, _, output) => Keep(key, output, output)).remove);

    /// <summary>The tensor kept under <paramref name="key"/> (owned by the capture).</summary>
    /// <exception cref="ModelAnalysisException">The module was not called in the forward pass.</exception>
    public Tensor this[string key] =>
        _captured.TryGetValue(key, out Tensor? t)
            ? t
            : throw new ModelAnalysisException($"'{key}' was not called in the forward pass, so there is nothing to analyse for it.");

    /// <summary>Frees the kept tensors, ready for the next pass.</summary>
    public void Clear()
    {
        foreach (Tensor t in _captured.Values)
        {
            t.Dispose();
        }

        _captured.Clear();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Action remove in _removers)
        {
            remove();
        }

        _removers.Clear();
        Clear();
    }

    private Tensor Keep(string key, Tensor value, Tensor output)
    {
        if (!_captured.ContainsKey(key))
        {
            _captured[key] = value.detach().clone().DetachFromDisposeScope();
        }

        return output;
    }
}
