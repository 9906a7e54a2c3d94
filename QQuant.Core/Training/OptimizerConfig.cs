namespace QQuant.Training;

/// <summary>
/// The <c>optimizer</c> section: which TorchSharp optimizer, its hyperparameters, and how parameter groups differ
/// (<see cref="ParamwiseCfg"/>). The reference builds one group with weight decay on everything; QQuant's defaults
/// leave quantizer parameters and normalisation layers undecayed.
/// </summary>
public sealed class OptimizerConfig
{
    /// <summary>SGD, Adam or AdamW (case-insensitive).</summary>
    public string Type { get; set; } = "SGD";

    /// <summary>The base learning rate (before schedule and group multipliers).</summary>
    public double Lr { get; set; } = 0.01;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; set; }

    /// <summary>SGD dampening.</summary>
    public double Dampening { get; set; }

    /// <summary>SGD Nesterov momentum.</summary>
    public bool Nesterov { get; set; }

    /// <summary>L2 weight decay (SGD, Adam) or decoupled decay (AdamW) of the regular group.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Adam/AdamW betas, two numbers; null for (0.9, 0.999).</summary>
    public IReadOnlyList<double>? Betas { get; set; }

    /// <summary>Adam/AdamW epsilon.</summary>
    public double Eps { get; set; } = 1e-8;

    /// <summary>Adam/AdamW AMSGrad.</summary>
    public bool Amsgrad { get; set; }

    /// <summary>Per-group multipliers of weight decay and learning rate.</summary>
    public ParamwiseConfig ParamwiseCfg { get; set; } = new();
}
