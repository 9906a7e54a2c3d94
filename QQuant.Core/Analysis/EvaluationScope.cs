using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>Puts models in evaluation mode without gradients until disposed, then restores each model's mode.</summary>
internal sealed class EvaluationScope : IDisposable
{
    private readonly (nn.Module Model, bool Training)[] _modes;
    private readonly IDisposable _noGrad;

    public EvaluationScope(params nn.Module[] models)
    {
        _modes = [.. models.Select(m => (m, m.training))];
        foreach (nn.Module model in models)
        {
            model.eval();
        }

        _noGrad = no_grad();
    }

    public void Dispose()
    {
        _noGrad.Dispose();
        foreach ((nn.Module model, bool training) in _modes)
        {
            model.train(training);
        }
    }
}
