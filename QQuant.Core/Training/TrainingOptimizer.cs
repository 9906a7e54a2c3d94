using static TorchSharp.torch;

namespace QQuant.Training;

/// <summary>An optimizer with its parameter groups in order, so the schedule can set each group's learning rate.</summary>
public sealed class TrainingOptimizer : IDisposable
{
    /// <summary>Wraps <paramref name="optimizer"/>, whose parameter groups are <paramref name="groups"/> in the same order.</summary>
    public TrainingOptimizer(optim.Optimizer optimizer, IReadOnlyList<ParameterGroup> groups)
    {
        Optimizer = optimizer;
        Groups = groups;
    }

    /// <summary>The TorchSharp optimizer.</summary>
    public optim.Optimizer Optimizer { get; }

    /// <summary>The groups, in the optimizer's order.</summary>
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>The learning rate last set for the first group (what the log prints).</summary>
    public double CurrentLr { get; private set; }

    /// <summary>Sets every group's learning rate to <paramref name="lr"/> times its multiplier.</summary>
    public void SetLearningRate(double lr)
    {
        int i = 0;
        foreach (optim.ILearningRateController group in Optimizer.ParamGroups)
        {
            group.LearningRate = lr * Groups[i++].LrMult;
        }

        CurrentLr = lr * Groups[0].LrMult;
    }

    /// <summary>All parameters the optimizer updates.</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> Parameters => Groups.SelectMany(g => g.Parameters);

    /// <inheritdoc />
    public void Dispose() => Optimizer.Dispose();
}
