using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Initialises every quantizer of a model from real data before training or evaluation, so evaluation never sees
/// uninitialised state and the first training step starts from data-driven scales rather than one batch's.
/// </summary>
/// <remarks>
/// The batches run through the model in evaluation mode without gradient while every
/// <see cref="CalibratedQuantizer"/> passes its input through unchanged and collects statistics; so later layers
/// see the float model's activations, and batch-norm statistics and dropout are not disturbed. Then weight
/// quantizers are initialised from their layer's weight and input quantizers from the statistics of all batches,
/// with each algorithm's initialisation formula. Everything is checked before anything is written: if one
/// quantizer cannot be initialised (it saw no batch, or NaN), none is changed. Calibrating an initialised model
/// initialises it again (an Auto sign is decided again too). Each module's training mode is restored afterwards.
/// </remarks>
public static class QuantCalibration
{
    /// <summary>Calibrates <paramref name="model"/> on <paramref name="batches"/> of inputs.</summary>
    /// <param name="model">The quantized model.</param>
    /// <param name="batches">Its inputs.</param>
    /// <param name="uninitializedOnly">
    /// Initialise only the quantizers that are not initialised yet (for example after loading a checkpoint that lacks
    /// some quantizer state); the others keep their state and quantize what they pass on.
    /// </param>
    /// <param name="progress">
    /// Told of each batch run (stage <c>calibration</c>, one unit per batch; see <see cref="ProgressStep"/>), or null.
    /// </param>
    /// <returns>How many quantizers were initialised from how many batches.</returns>
    /// <exception cref="QuantCalibrationException">No quantizer, no batch, or a quantizer that cannot be initialised.</exception>
    public static CalibrationSummary Calibrate(
        nn.Module<Tensor, Tensor> model, IEnumerable<Tensor> batches, bool uninitializedOnly = false, IProgress<ProgressStep>? progress = null) =>
        Calibrate(model, batches, batch => model.call(batch).Dispose(), uninitializedOnly, progress);

    /// <summary>
    /// Calibrates <paramref name="model"/> on <paramref name="batches"/> of any shape: <paramref name="forward"/> runs
    /// the model on one batch (inside a dispose scope and without gradient). <paramref name="progress"/>, if not null,
    /// is told of each batch run (stage <c>calibration</c>; the total is known when <paramref name="batches"/> knows its
    /// count without being enumerated, a list or an array).
    /// </summary>
    /// <exception cref="QuantCalibrationException">No quantizer, no batch, or a quantizer that cannot be initialised.</exception>
    public static CalibrationSummary Calibrate<TBatch>(
        nn.Module model, IEnumerable<TBatch> batches, Action<TBatch> forward, bool uninitializedOnly = false, IProgress<ProgressStep>? progress = null)
    {
        string modelName = model.GetType().Name;
        List<(string Path, QuantizedLayer Layer)> located = Layers(model).ToList();
        List<(CalibratedQuantizer Quantizer, Tensor? Weight)> targets = Targets(model, located);
        if (uninitializedOnly)
        {
            targets.RemoveAll(t => t.Quantizer.IsInitialized);
        }

        if (targets.Count == 0)
        {
            throw new QuantCalibrationException(
                modelName, [uninitializedOnly
                    ? "every quantizer is initialised already; there is nothing to calibrate"
                    : "it has no quantizer to calibrate; quantize it first (model.Quantize(policy))"]);
        }

        List<QuantizedLayer> layers = located.Select(l => l.Layer).ToList();
        int count = RunBatches(model, batches, forward, targets.Select(t => t.Quantizer), layers, progress);
        if (count == 0)
        {
            targets.ForEach(t => t.Quantizer.EndCalibration()?.Dispose());
            throw new QuantCalibrationException(modelName, ["the batches were empty; calibration needs at least one"]);
        }

        Commit(modelName, targets.Select(t => (t.Quantizer, t.Quantizer.EndCalibration(), t.Weight)).ToList());
        layers.ForEach(l => l.InvalidateQuantizedWeight());
        return new CalibrationSummary(targets.Count, count);
    }

    private static int RunBatches<TBatch>(
        nn.Module model,
        IEnumerable<TBatch> batches,
        Action<TBatch> forward,
        IEnumerable<CalibratedQuantizer> quantizers,
        List<QuantizedLayer> layers,
        IProgress<ProgressStep>? progress)
    {
        ModuleModes modes = ModuleModes.Of(model);
        List<CalibratedQuantizer> collecting = quantizers.ToList();
        var steps = new BatchProgress(progress, "calibration", batches.TryGetNonEnumeratedCount(out int total) ? total : null);
        int count = 0;
        try
        {
            layers.ForEach(l => l.InvalidateQuantizedWeight());
            collecting.ForEach(q => q.BeginCalibration());
            model.eval();
            using var noGrad = no_grad();
            steps.Start();
            foreach (TBatch batch in batches)
            {
                using var scope = NewDisposeScope();
                forward(batch);
                count++;
                steps.Batch(count);
            }

            steps.End(count);
        }
        catch
        {
            collecting.ForEach(q => q.EndCalibration()?.Dispose());
            throw;
        }
        finally
        {
            modes.Restore();
        }

        return count;
    }

    private static void Commit(
        string modelName, List<(CalibratedQuantizer Quantizer, TensorStatistics? Observed, Tensor? Weight)> targets)
    {
        var ready = new List<(CalibratedQuantizer Quantizer, TensorStatistics Statistics)>();
        try
        {
            foreach (var (quantizer, observed, weight) in targets)
            {
                TensorStatistics statistics = observed!;
                if (weight is not null)
                {
                    // A weight is the same tensor every batch: initialise from it once, not from its repetitions.
                    statistics.Dispose();
                    statistics = quantizer.NewStatistics();
                    statistics.Observe(weight);
                }

                ready.Add((quantizer, statistics));
            }

            List<string> problems = ready.Select(r => r.Quantizer.Problem(r.Statistics)).OfType<string>().ToList();
            if (problems.Count > 0)
            {
                throw new QuantCalibrationException(modelName, problems);
            }

            foreach (var (quantizer, statistics) in ready)
            {
                quantizer.Commit(statistics);
            }
        }
        finally
        {
            ready.ForEach(r => r.Statistics.Dispose());
        }
    }

    private static List<(CalibratedQuantizer Quantizer, Tensor? Weight)> Targets(
        nn.Module model, List<(string Path, QuantizedLayer Layer)> layers)
    {
        var targets = new List<(CalibratedQuantizer, Tensor?)>();

        // A layer reachable under two names is listed twice, but its quantizers are calibrated once.
        var known = new HashSet<CalibratedQuantizer>(ReferenceEqualityComparer.Instance);
        foreach (var (path, layer) in layers)
        {
            layer.Locate(path);
            if (layer.WeightQuantizer is CalibratedQuantizer weight && known.Add(weight))
            {
                targets.Add((weight, layer.weight));
            }

            if (layer.InputQuantizer is CalibratedQuantizer input && known.Add(input))
            {
                targets.Add((input, null));
            }
        }

        // Quantizers that are not inside a QuantizedLayer learn from what reaches them.
        foreach (ModuleNode node in Nodes(model))
        {
            if (node.Module is CalibratedQuantizer quantizer && known.Add(quantizer))
            {
                targets.Add((quantizer, null));
            }
            else if (node.Module is IQuantizedLayer other and not QuantizedLayer)
            {
                foreach (IQuantizer q in new[] { other.WeightQuantizer, other.InputQuantizer })
                {
                    if (q is CalibratedQuantizer c && known.Add(c))
                    {
                        targets.Add((c, null));
                    }
                }
            }
        }

        return targets;
    }

    private static IEnumerable<(string Path, QuantizedLayer Layer)> Layers(nn.Module model) =>
        Nodes(model).Where(n => n.Module is QuantizedLayer).Select(n => (n.Path, (QuantizedLayer)n.Module));

    private static IEnumerable<ModuleNode> Nodes(nn.Module model) =>
        model is IQuantizedLayer or IQuantizer
            ? [new ModuleNode(model.GetName(), model, model, model.GetName(), true)]
            : ModuleGraph.Walk(model);
}
