using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Re-estimates the running statistics of every BatchNorm of a model from batches run through the model as it is
/// now: after quantization, each convolution's output has the scale of its quantized weight and input, which the
/// float model's statistics do not know (weight quantizers that rescale the weight, as DoReFa's tanh/max and APoT's
/// standardisation do, change every channel's scale).
/// </summary>
/// <remarks>
/// The batches run without gradient with every BatchNorm in training mode and every other module in evaluation mode
/// (quantizers keep their state, dropout is off). Each BatchNorm's statistics are the plain average over the batches
/// of each batch's mean and unbiased variance (PyTorch's <c>momentum=None</c>), computed from scratch. Quantizers must
/// be initialised first (<see cref="QuantCalibration.Calibrate(nn.Module{Tensor, Tensor}, IEnumerable{Tensor}, bool, IProgress{ProgressStep})"/>).
/// All or nothing: if a batch fails, or there is none, every BatchNorm keeps its statistics. Modes and momenta are
/// restored afterwards.
/// </remarks>
public static class BatchNormReestimation
{
    /// <summary>Re-estimates the BatchNorm statistics of <paramref name="model"/> from <paramref name="batches"/> of inputs.</summary>
    /// <param name="model">The model.</param>
    /// <param name="batches">Its inputs.</param>
    /// <param name="progress">
    /// Told of each batch run (stage <c>BatchNorm re-estimation</c>, one unit per batch; see <see cref="ProgressStep"/>),
    /// or null. A model without BatchNorm runs no batch and reports nothing.
    /// </param>
    /// <returns>How many BatchNorm layers were re-estimated from how many batches (0 layers: the model has none).</returns>
    /// <exception cref="QuantCalibrationException">The batches were empty.</exception>
    public static BatchNormSummary Reestimate(nn.Module<Tensor, Tensor> model, IEnumerable<Tensor> batches, IProgress<ProgressStep>? progress = null) =>
        Reestimate(model, batches, batch => model.call(batch).Dispose(), progress);

    /// <summary>
    /// Re-estimates the BatchNorm statistics of <paramref name="model"/> from <paramref name="batches"/> of any shape:
    /// <paramref name="forward"/> runs the model on one batch (inside a dispose scope and without gradient).
    /// <paramref name="progress"/>, if not null, is told of each batch run (stage <c>BatchNorm re-estimation</c>).
    /// </summary>
    /// <exception cref="QuantCalibrationException">The batches were empty.</exception>
    public static BatchNormSummary Reestimate<TBatch>(nn.Module model, IEnumerable<TBatch> batches, Action<TBatch> forward, IProgress<ProgressStep>? progress = null)
    {
        List<BatchNorm> norms = model.modules().Prepend(model).OfType<BatchNorm>()
            .Where(n => n.track_running_stats && n.running_mean is not null && n.running_var is not null)
            .Distinct(ReferenceEqualityComparer.Instance).Cast<BatchNorm>().ToList();
        if (norms.Count == 0)
        {
            return new BatchNormSummary(0, 0);
        }

        ModuleModes modes = ModuleModes.Of(model);
        List<(BatchNorm Norm, double? Momentum, Tensor Mean, Tensor Variance, Tensor? Tracked)> saved = [.. norms.Select(n =>
            (n, n.momentum, n.running_mean!.detach().clone().DetachFromDisposeScope(), n.running_var!.detach().clone().DetachFromDisposeScope(),
                n.num_batches_tracked?.detach().clone().DetachFromDisposeScope()))];
        var steps = new BatchProgress(progress, "BatchNorm re-estimation", batches.TryGetNonEnumeratedCount(out int total) ? total : null);
        int count = 0;
        try
        {
            using var noGrad = no_grad();
            model.eval();
            foreach (BatchNorm norm in norms)
            {
                norm.train();
                norm.running_mean!.zero_();
                norm.running_var!.fill_(1);
                norm.num_batches_tracked?.zero_();
            }

            steps.Start();
            foreach (TBatch batch in batches)
            {
                count++;
                norms.ForEach(n => n.momentum = 1.0 / count);
                using var scope = NewDisposeScope();
                forward(batch);
                steps.Batch(count);
            }

            steps.End(count);

            if (count == 0)
            {
                throw new QuantCalibrationException(model.GetType().Name, ["the batches were empty; re-estimating BatchNorm statistics needs at least one"]);
            }
        }
        catch
        {
            using var noGrad = no_grad();
            foreach (var (norm, _, mean, variance, tracked) in saved)
            {
                norm.running_mean!.copy_(mean);
                norm.running_var!.copy_(variance);
                if (tracked is not null)
                {
                    norm.num_batches_tracked?.copy_(tracked);
                }
            }

            throw;
        }
        finally
        {
            foreach (var (norm, momentum, mean, variance, tracked) in saved)
            {
                norm.momentum = momentum;
                mean.Dispose();
                variance.Dispose();
                tracked?.Dispose();
            }

            modes.Restore();
        }

        return new BatchNormSummary(norms.Count, count);
    }
}
