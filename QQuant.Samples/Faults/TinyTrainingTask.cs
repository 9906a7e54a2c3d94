using QQuant.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Samples.Faults;

/// <summary>A batch of <see cref="TinyTrainingTask"/>: features and labels it owns.</summary>
internal sealed record FeatureBatch(Tensor X, Tensor Y) : IDisposable
{
    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }
}

/// <summary>
/// The smallest real training task: a two-layer net of a chosen width on 32 fixed samples of 4 features (3 classes),
/// two batches per epoch; its width sets the size of its checkpoints.
/// </summary>
internal sealed class TinyTrainingTask : ITrainingTask<FeatureBatch>, IDisposable
{
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly nn.Module<Tensor, Tensor> _model;

    public TinyTrainingTask(int width, ulong seed)
    {
        using var generator = new Generator(seed);
        _x = randn([32, 4], generator: generator);
        _y = _x[.., ..3].argmax(1);
        _model = nn.Sequential(nn.Linear(4, width), nn.ReLU(), nn.Linear(width, 3));
    }

    public nn.Module Model => _model;

    public int IterationsPerEpoch => 2;

    public IEnumerable<FeatureBatch> Batches(int epoch)
    {
        for (int b = 0; b < IterationsPerEpoch; b++)
        {
            yield return new FeatureBatch(_x[(b * 16)..((b + 1) * 16)].clone(), _y[(b * 16)..((b + 1) * 16)].clone());
        }
    }

    public StepOutput Forward(FeatureBatch batch) =>
        new(nn.functional.cross_entropy(_model.call(batch.X), batch.Y), (int)batch.Y.shape[0], []);

    public void Dispose()
    {
        _model.Dispose();
        _x.Dispose();
        _y.Dispose();
    }
}
