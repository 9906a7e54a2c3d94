using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>
/// Every <see cref="BatchNorm2d"/> of a model replaced by a <see cref="SyncBatchNorm2d"/> sharing its tensors, until
/// disposed (which puts the BatchNorms back; their state is what training left).
/// </summary>
public sealed class BatchNormSync : IDisposable
{
    private readonly List<ModuleSlot> _slots;

    private BatchNormSync(List<ModuleSlot> slots) => _slots = slots;

    /// <summary>The BatchNorms synchronised.</summary>
    public int Count => _slots.Count;

    /// <summary>Synchronises every BatchNorm2d of <paramref name="model"/> over <paramref name="group"/> (all of them or, on error, none).</summary>
    /// <exception cref="DistributedException">A BatchNorm is held where a SyncBatchNorm2d cannot go; the message names its path.</exception>
    public static BatchNormSync Apply(nn.Module model, IProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(group);
        List<ModuleSlot> slots = [.. ModuleGraph.Walk(model).Where(n => n.Module is BatchNorm2d).Select(ModuleSlot.Locate)];
        string[] problems = [.. slots.Select(s => s.CannotHold(typeof(SyncBatchNorm2d))).OfType<string>()];
        if (problems.Length > 0)
        {
            throw new DistributedException($"Cannot synchronise BatchNorm statistics: {string.Join("; ", problems)}.");
        }

        foreach (ModuleSlot slot in slots)
        {
            slot.Set(new SyncBatchNorm2d((BatchNorm2d)slot.Node.Module, group));
        }

        return new BatchNormSync(slots);
    }

    /// <summary>Puts the BatchNorms back.</summary>
    public void Dispose()
    {
        _slots.ForEach(s => s.Restore());
        _slots.Clear();
    }
}
