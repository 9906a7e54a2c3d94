using static TorchSharp.torch;

namespace QQuant;

/// <summary>The training mode of every module of a model, taken before a pass that changes modes and put back after it.</summary>
internal sealed class ModuleModes
{
    private readonly List<(nn.Module Module, bool Training)> _modes;

    private ModuleModes(nn.Module model) =>
        _modes = [.. model.modules().Prepend(model).Distinct(ReferenceEqualityComparer.Instance).Cast<nn.Module>().Select(m => (m, m.training))];

    /// <summary>Records the mode of <paramref name="model"/> and of each module inside it.</summary>
    public static ModuleModes Of(nn.Module model) => new(model);

    /// <summary>Sets every module back to its recorded mode.</summary>
    public void Restore()
    {
        // Parents first: a parent's train() sets its children, which are then set to their own mode.
        foreach (var (module, training) in _modes)
        {
            module.train(training);
        }
    }
}
