using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>
/// Per-layer sensitivity of a quantized model: for each quantized layer, the float model with only that layer
/// quantized, and the quantized model with only that layer float. A layer is swapped by a forward hook that returns
/// its twin's output on the same input, so no model is changed; "float" is the float model's layer (its weights),
/// "quantized" the quantized model's.
/// </summary>
public static class SensitivityAnalysis
{
    private const string Stage = "sensitivity";

    /// <summary>
    /// Scores both models and every one-layer variant on <paramref name="inputs"/> (batches on the models' device),
    /// in evaluation mode without gradients; both models are left in the mode they were in.
    /// </summary>
    /// <param name="floatModel">The float model.</param>
    /// <param name="quantizedModel">Its quantized twin.</param>
    /// <param name="inputs">The batches.</param>
    /// <param name="labels">One class-index tensor per batch for top-1 accuracy, or null to rank by KL divergence only.</param>
    /// <param name="progress">
    /// Told of each layer measured (stage <c>sensitivity</c>, one unit per layer in common, the layer's name as the
    /// item; see <see cref="ProgressStep"/>), or null.
    /// </param>
    /// <exception cref="ModelAnalysisException">No batches, labels that do not match the batches (count, shape, or a class
    /// index outside the model's outputs, such as the -1 of an unlabelled sample), or no layer in common.</exception>
    public static SensitivityResult Measure(
        nn.Module<Tensor, Tensor> floatModel,
        nn.Module<Tensor, Tensor> quantizedModel,
        IReadOnlyList<Tensor> inputs,
        IReadOnlyList<Tensor>? labels = null,
        IProgress<ProgressStep>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        ArgumentNullException.ThrowIfNull(quantizedModel);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0 || (labels is not null && labels.Count != inputs.Count))
        {
            throw new ModelAnalysisException(
                $"Sensitivity needs at least one input batch and, when labels are given, one label tensor per batch; got {inputs.Count} batches and {labels?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no"} label tensors.");
        }

        IReadOnlyList<LayerPair> pairs = LayerPair.Match(floatModel, quantizedModel);
        using (new EvaluationScope(floatModel, quantizedModel))
        {
            using var scope = NewDisposeScope();
            Tensor[] reference = [.. inputs.Select(x => SoftmaxDivergence.LogProbabilities(floatModel.call(x)))];
            if (labels is not null)
            {
                CheckLabels(labels, reference);
            }

            SensitivityScore Score(nn.Module<Tensor, Tensor> model) => Measure(model, inputs, labels, reference);

            var layers = new List<LayerSensitivity>();
            progress?.Report(new ProgressStep(Stage, 0, pairs.Count));
            foreach (LayerPair pair in pairs)
            {
                SensitivityScore alone, allBut;
                using (Swap(pair.Float, pair.Quantized))
                {
                    alone = Score(floatModel);
                }

                using (Swap(pair.Quantized, pair.Float))
                {
                    allBut = Score(quantizedModel);
                }

                layers.Add(new LayerSensitivity(pair.Name, alone, allBut));
                progress?.Report(new ProgressStep(Stage, layers.Count, pairs.Count, pair.Name));
            }

            IEnumerable<LayerSensitivity> sorted = labels is null
                ? layers.OrderByDescending(l => l.OnlyThisQuantized.KlBits)
                : layers.OrderBy(l => l.OnlyThisQuantized.Top1).ThenByDescending(l => l.OnlyThisQuantized.KlBits);
            return new SensitivityResult(Score(floatModel), Score(quantizedModel), [.. sorted]);
        }
    }

    private static SensitivityScore Measure(nn.Module<Tensor, Tensor> model, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor>? labels, Tensor[] reference)
    {
        long samples = 0, correct = 0;
        double klNats = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            using var scope = NewDisposeScope();
            Tensor q = SoftmaxDivergence.LogProbabilities(model.call(inputs[i]));
            klNats += SoftmaxDivergence.SumNats(reference[i], q);
            samples += q.shape[0];
            if (labels is not null)
            {
                correct += q.argmax(1).eq(labels[i].to(q.device)).sum().item<long>();
            }
        }

        return new SensitivityScore(labels is null ? double.NaN : 100.0 * correct / samples, SoftmaxDivergence.MeanBits(klNats, samples));
    }

    private static void CheckLabels(IReadOnlyList<Tensor> labels, Tensor[] reference)
    {
        for (int i = 0; i < labels.Count; i++)
        {
            long samples = reference[i].shape[0], classes = reference[i].shape[1];
            Tensor batch = labels[i];
            if (batch.dim() != 1 || batch.shape[0] != samples)
            {
                throw new ModelAnalysisException(
                    $"Label batch {i} has shape [{string.Join(", ", batch.shape)}]; it must be one class index per input, shape [{samples}].");
            }

            long lowest = batch.min().item<long>(), highest = batch.max().item<long>();
            if (lowest < 0 || highest >= classes)
            {
                throw new ModelAnalysisException(
                    $"Label batch {i} holds class index {(lowest < 0 ? lowest : highest)}; the models have {classes} outputs, so labels must be 0..{classes - 1} (-1 marks an unlabelled sample).");
            }
        }
    }

    /// <summary>Until disposed, <paramref name="module"/> returns what <paramref name="replacement"/> computes from its input.</summary>
    private static HookRemoval Swap(nn.Module<Tensor, Tensor> module, nn.Module<Tensor, Tensor> replacement) =>
        new(module.register_forward_hook((_, input, _) => replacement.call(input)).remove);

    private sealed class HookRemoval(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
