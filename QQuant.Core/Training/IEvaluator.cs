using static TorchSharp.torch;

namespace QQuant.Training;

/// <summary>Evaluates a model on held-out data (the reference's EvalHook): metrics by name, in percent for accuracies.</summary>
public interface IEvaluator
{
    /// <summary>The number of batches one evaluation runs (the reference prints it in the val line).</summary>
    int Batches { get; }

    /// <summary>
    /// Runs <paramref name="model"/> in evaluation mode without gradients over the data and returns the metrics in
    /// print order (for example <c>accuracy_top-1</c>, <c>accuracy_top-5</c>). The caller restores the training mode.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="progress">Receives the number of batches done, or null.</param>
    IReadOnlyList<KeyValuePair<string, double>> Evaluate(nn.Module model, IProgress<int>? progress = null);
}
