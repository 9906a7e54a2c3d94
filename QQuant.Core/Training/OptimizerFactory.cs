using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Training;

/// <summary>
/// Builds the optimizer that <see cref="OptimizerConfig"/> describes over a model's trainable parameters, in up to
/// four kinds of group (regular, bias, norm, quantizer) whose weight decay and learning rate follow
/// <see cref="OptimizerConfig.ParamwiseCfg"/>. Frozen parameters (<c>requires_grad</c> false) are left out.
/// </summary>
public static class OptimizerFactory
{
    /// <summary>The optimizer types <see cref="Create"/> knows.</summary>
    public static IReadOnlyList<string> Types { get; } = ["SGD", "Adam", "AdamW"];

    /// <summary>Builds the optimizer for <paramref name="model"/>.</summary>
    /// <exception cref="TrainingConfigException">An unknown type or an out-of-range value; the message names its key.</exception>
    public static TrainingOptimizer Create(nn.Module model, OptimizerConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        string type = Types.FirstOrDefault(t => t.Equals(config.Type, StringComparison.OrdinalIgnoreCase))
                      ?? throw new TrainingConfigException("optimizer:type",
                          $"unknown optimizer '{config.Type}'; {NearestNames.Suggest(config.Type, Types)} (valid: {string.Join(", ", Types)})");
        Validate(config, type);
        IReadOnlyList<ParameterGroup> groups = Group(model, config);
        if (groups.Count == 0)
        {
            throw new TrainingConfigException("optimizer", "the model has no trainable parameters (all are frozen).");
        }

        (double beta1, double beta2) = config.Betas is { } b ? (b[0], b[1]) : (0.9, 0.999);
        double Decay(ParameterGroup g) => config.WeightDecay * g.DecayMult;
        optim.Optimizer optimizer = type switch
        {
            "SGD" => optim.SGD(
                groups.Select(g => new SGD.ParamGroup(g.Parameters, config.Lr * g.LrMult, config.Momentum, config.Dampening, Decay(g), config.Nesterov, false)),
                config.Lr, config.Momentum, config.Dampening, config.WeightDecay, config.Nesterov),
            "Adam" => optim.Adam(
                groups.Select(g => new Adam.ParamGroup(g.Parameters, config.Lr * g.LrMult, beta1, beta2, config.Eps, Decay(g), config.Amsgrad, false)),
                config.Lr, beta1, beta2, config.Eps, config.WeightDecay, config.Amsgrad),
            _ => optim.AdamW(
                groups.Select(g => new AdamW.ParamGroup(g.Parameters, config.Lr * g.LrMult, beta1, beta2, config.Eps, Decay(g), config.Amsgrad, false)),
                config.Lr, beta1, beta2, config.Eps, config.WeightDecay, config.Amsgrad),
        };
        var built = new TrainingOptimizer(optimizer, groups);
        built.SetLearningRate(config.Lr);
        return built;
    }

    /// <summary>
    /// The trainable parameters of <paramref name="model"/> split into groups: parameters of quantizer modules,
    /// of normalisation layers, other biases, and the rest; empty groups are left out. Quantizer parameters form one
    /// group per weight-decay multiplier: the config's, or each quantizer's <see cref="Quantizer.DefaultDecayMult"/>.
    /// </summary>
    public static IReadOnlyList<ParameterGroup> Group(nn.Module model, OptimizerConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ParamwiseConfig p = config.ParamwiseCfg;
        string[] kinds = [ParameterGroup.Regular, ParameterGroup.Bias, ParameterGroup.Norm, ParameterGroup.Quantizer];
        var entries = new List<(string Kind, double Decay, string Name, Parameter Parameter)>();
        var seen = new HashSet<IntPtr>();
        foreach ((string prefix, nn.Module owner) in Modules(model))
        {
            foreach ((string local, Parameter parameter) in owner.named_parameters(recurse: false))
            {
                if (!parameter.requires_grad || !seen.Add(parameter.Handle))
                {
                    continue;
                }

                string kind = KindOf(owner, local);
                double decay = kind switch
                {
                    ParameterGroup.Bias => p.BiasDecayMult,
                    ParameterGroup.Norm => p.NormDecayMult,
                    ParameterGroup.Quantizer => p.QuantizerDecayMult ?? (owner as Quantizer)?.DefaultDecayMult ?? 0,
                    _ => 1,
                };
                entries.Add((kind, decay, prefix.Length == 0 ? local : $"{prefix}.{local}", parameter));
            }
        }

        return entries
            .GroupBy(e => (e.Kind, e.Decay))
            .OrderBy(g => Array.IndexOf(kinds, g.Key.Kind)).ThenBy(g => g.Key.Decay)
            .Select(g => new ParameterGroup(
                g.Key.Kind, [.. g.Select(e => e.Name)], [.. g.Select(e => e.Parameter)],
                g.Key.Kind == ParameterGroup.Quantizer ? p.QuantizerLrMult : 1, g.Key.Decay))
            .ToList();
    }

    private static IEnumerable<(string Name, nn.Module Module)> Modules(nn.Module model)
    {
        yield return ("", model);
        foreach ((string name, nn.Module module) in model.named_modules())
        {
            yield return (name, module);
        }
    }

    private static string KindOf(nn.Module owner, string local) => owner switch
    {
        IQuantizer => ParameterGroup.Quantizer,
        BatchNorm1d or BatchNorm2d or BatchNorm3d or GroupNorm or LayerNorm or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d => ParameterGroup.Norm,
        _ when local == "bias" => ParameterGroup.Bias,
        _ => ParameterGroup.Regular,
    };

    private static void Validate(OptimizerConfig config, string type)
    {
        Require(double.IsFinite(config.Lr) && config.Lr > 0, "optimizer:lr", $"must be a positive number, got {config.Lr}.");
        Require(double.IsFinite(config.WeightDecay) && config.WeightDecay >= 0, "optimizer:weightDecay", $"must be 0 or more, got {config.WeightDecay}.");
        Require(config.Momentum is >= 0 and < 1, "optimizer:momentum", $"must be in [0, 1), got {config.Momentum}.");
        Require(type == "SGD" || (config.Momentum == 0 && !config.Nesterov), "optimizer:momentum", $"{type} takes betas, not momentum.");
        Require(!config.Nesterov || (config.Momentum > 0 && config.Dampening == 0), "optimizer:nesterov",
            "needs momentum > 0 and dampening 0.");
        Require(config.Betas is null || (config.Betas.Count == 2 && config.Betas.All(b => b is >= 0 and < 1)), "optimizer:betas",
            $"must be two numbers in [0, 1), got [{string.Join(", ", config.Betas ?? [])}].");
        Require(config.Betas is null || type != "SGD", "optimizer:betas", "SGD takes momentum, not betas.");
        ParamwiseConfig p = config.ParamwiseCfg;
        foreach ((string key, double value) in new[]
                 {
                     ("quantizerDecayMult", p.QuantizerDecayMult ?? 0), ("quantizerLrMult", p.QuantizerLrMult),
                     ("normDecayMult", p.NormDecayMult), ("biasDecayMult", p.BiasDecayMult),
                 })
        {
            Require(double.IsFinite(value) && value >= 0, $"optimizer:paramwiseCfg:{key}", $"must be 0 or more, got {value}.");
        }
    }

    private static void Require(bool condition, string key, string message)
    {
        if (!condition)
        {
            throw new TrainingConfigException(key, message);
        }
    }
}
