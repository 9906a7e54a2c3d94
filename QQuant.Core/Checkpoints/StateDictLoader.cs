using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Loads a state dict (name → tensor) into any TorchSharp module by name, through an optional key map, and reports
/// what matched. Values are copied into the module's own tensors in place, without gradient, converted to each
/// target's dtype and device, so a model on a GPU stays there and optimizers keep tracking its parameters.
/// </summary>
public static class StateDictLoader
{
    /// <summary>Loads <paramref name="source"/> into <paramref name="module"/>.</summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="source">The tensors by key; they are only read.</param>
    /// <param name="options">Key map, strictness and the source's name; null for a strict load by identical keys.</param>
    /// <returns>What was loaded, missing, unexpected and shape-mismatched.</returns>
    /// <exception cref="StateDictMismatchException">Strict and something does not match; the module is unchanged.</exception>
    public static StateDictLoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, StateDictLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);
        options ??= new StateDictLoadOptions();
        (StateDictLoadReport report, List<(Tensor Target, Tensor Value)> plan) = Match(module, source, options);
        if (options.Strict && !Acceptable(report, options))
        {
            throw new StateDictMismatchException(report);
        }

        using (no_grad())
        {
            foreach ((Tensor target, Tensor value) in plan)
            {
                target.copy_(value);
            }
        }

        RefreshQuantizers(module);
        return report;
    }

    /// <summary>What <see cref="Load"/> would do, without changing the module (a dry run; never throws for a mismatch).</summary>
    public static StateDictLoadReport Check(nn.Module module, IReadOnlyDictionary<string, Tensor> source, StateDictLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);
        return Match(module, source, options ?? new StateDictLoadOptions()).Report;
    }

    private static bool Acceptable(StateDictLoadReport report, StateDictLoadOptions options) =>
        report.Missing.Count == 0
        && report.Unexpected.Count == 0
        && report.ShapeMismatched.Count == 0
        && (options.AllowMissingQuantizerState || report.MissingQuantizerState.Count == 0);

    private static (StateDictLoadReport Report, List<(Tensor Target, Tensor Value)> Plan) Match(
        nn.Module module, IReadOnlyDictionary<string, Tensor> source, StateDictLoadOptions options)
    {
        Dictionary<string, Tensor> targets = module.state_dict();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var plan = new List<(Tensor, Tensor)>();
        var loaded = new List<string>();
        var unexpected = new List<string>();
        var dropped = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        foreach ((string sourceKey, Tensor value) in source)
        {
            string? key = options.KeyMap is null ? sourceKey : options.KeyMap(sourceKey);
            if (key is null)
            {
                (options.UnmappedAreUnexpected ? unexpected : dropped).Add(sourceKey);
            }
            else if (!targets.TryGetValue(key, out Tensor? target) || !taken.Add(key))
            {
                unexpected.Add(key == sourceKey ? sourceKey : $"{sourceKey} → {key}");
            }
            else if (!target.shape.SequenceEqual(value.shape))
            {
                mismatched.Add(new ShapeMismatch(key, sourceKey, target.shape, value.shape));
            }
            else
            {
                plan.Add((target, value));
                loaded.Add(key);
            }
        }

        HashSet<string> quantizerPaths = module.named_modules()
            .Where(m => m.module is Quantizer)
            .Select(m => m.name)
            .ToHashSet(StringComparer.Ordinal);
        var missing = new List<string>();
        var missingQuantizerState = new List<string>();
        // One tensor may appear under several keys (tied weights, or a module a class also registers under a second
        // name): it is missing only when none of its keys was loaded.
        var filled = targets.Where(p => taken.Contains(p.Key)).Select(p => p.Value.Handle).ToHashSet();
        foreach (string key in targets.Keys.Where(k => !taken.Contains(k) && !filled.Contains(targets[k].Handle)))
        {
            int dot = key.LastIndexOf('.');
            bool inQuantizer = dot > 0 && quantizerPaths.Contains(key[..dot]);
            (inQuantizer ? missingQuantizerState : missing).Add(key);
        }

        var report = new StateDictLoadReport(options.Source, loaded, missing, missingQuantizerState, unexpected, mismatched, dropped);
        return (report, plan);
    }

    /// <summary>Calibrated quantizers cache their flags on the host; re-setting each one's mode makes them read the loaded buffers.</summary>
    private static void RefreshQuantizers(nn.Module module)
    {
        foreach (CalibratedQuantizer quantizer in module.modules().OfType<CalibratedQuantizer>())
        {
            quantizer.train(quantizer.training);
        }
    }
}
