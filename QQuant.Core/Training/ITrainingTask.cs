using static TorchSharp.torch;

namespace QQuant.Training;

/// <summary>
/// What <see cref="Trainer{TBatch}"/> trains: a model, the batches of each epoch and the forward pass that turns a
/// batch into a loss. QQuant.Vision's classification task implements it; any other task (detection, a custom loss)
/// can too.
/// </summary>
/// <typeparam name="TBatch">One batch; the trainer disposes it after its step.</typeparam>
public interface ITrainingTask<TBatch> where TBatch : IDisposable
{
    /// <summary>The model being trained (its parameters are what the optimizer updates).</summary>
    nn.Module Model { get; }

    /// <summary>Batches in one epoch.</summary>
    int IterationsPerEpoch { get; }

    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based), in order; the same for the same epoch.</summary>
    IEnumerable<TBatch> Batches(int epoch);

    /// <summary>
    /// The forward pass in training mode: the loss to minimise and the values to log (loss, accuracies). Runs inside
    /// the trainer's dispose scope.
    /// </summary>
    StepOutput Forward(TBatch batch);
}
