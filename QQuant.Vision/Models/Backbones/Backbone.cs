using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// A feature extractor: the first part of an <see cref="ImageClassifier"/>. Every layer inside is held as
/// <c>Module&lt;Tensor,Tensor&gt;</c> so a policy can swap any conv or linear for a quantized one.
/// </summary>
/// <remarks>
/// A backbone with mmcls's <c>frozen_stages</c> and <c>norm_eval</c> states which modules form its stem
/// (<see cref="StemModules"/>) and each stage (<see cref="StageModules"/>) and calls
/// <see cref="SetFrozenStages"/>; this class freezes them and keeps them frozen through every <see cref="train"/>.
/// </remarks>
public abstract class Backbone : nn.Module<Tensor, Tensor>
{
    private int _frozenStages = -1;
    private bool _normEval;

    /// <summary>Creates the backbone under <paramref name="name"/>.</summary>
    protected Backbone(string name) : base(name)
    {
    }

    /// <summary>The number of image channels the first layer takes (3 for RGB, 1 for grey images).</summary>
    public abstract int InChannels { get; }

    /// <summary>The channels of the last output, what a neck or head after it receives.</summary>
    public abstract int OutChannels { get; }

    /// <summary>The outputs of the stages listed in the backbone's <c>outIndices</c>, in that order.</summary>
    public abstract IReadOnlyList<Tensor> ForwardFeatures(Tensor input);

    /// <summary>The last of <see cref="ForwardFeatures"/>, what a single-output classifier uses; the others are disposed.</summary>
    public override Tensor forward(Tensor input)
    {
        IReadOnlyList<Tensor> outputs = ForwardFeatures(input);
        for (int i = 0; i < outputs.Count - 1; i++)
        {
            outputs[i].Dispose();
        }

        return outputs[^1];
    }

    /// <summary>Switches training mode, then re-applies <c>frozenStages</c> and <c>normEval</c>.</summary>
    public override void train(bool train = true)
    {
        base.train(train);
        FreezeStages();
        if (train && _normEval)
        {
            foreach ((string _, nn.Module module) in named_modules())
            {
                if (module is BatchNorm2d)
                {
                    module.eval();
                }
            }
        }
    }

    /// <summary>
    /// Applies mmcls's <c>frozen_stages</c> and <c>norm_eval</c> now and after every <see cref="train"/>:
    /// with <paramref name="frozenStages"/> 0 or more the <see cref="StemModules"/> and the
    /// <see cref="StageModules"/> of the first <paramref name="frozenStages"/> stages go to eval mode and stop their
    /// gradients; with <paramref name="normEval"/> every batch norm stays in eval mode while training. Call it once,
    /// at the end of the constructor, after <c>RegisterComponents()</c>.
    /// </summary>
    protected void SetFrozenStages(int frozenStages, bool normEval)
    {
        _frozenStages = frozenStages;
        _normEval = normEval;
        FreezeStages();
    }

    /// <summary>The modules before the first stage, frozen whenever <c>frozenStages</c> is 0 or more; none by default.</summary>
    protected virtual IEnumerable<nn.Module?> StemModules() => [];

    /// <summary>The modules of stage <paramref name="stage"/> (0-based), what <c>frozenStages</c> counts.</summary>
    /// <exception cref="NotSupportedException">The backbone has no stages to freeze (the default).</exception>
    protected virtual IEnumerable<nn.Module?> StageModules(int stage) =>
        throw new NotSupportedException($"{GetName()} has no stages to freeze.");

    /// <summary>
    /// Throws unless <paramref name="frozenStages"/> is -1 (none) .. <paramref name="max"/>; <paramref name="maxMeaning"/>,
    /// when given, says in the message where the bound comes from (<c>numStages</c>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="frozenStages"/> is out of range.</exception>
    protected static void CheckFrozenStages(int frozenStages, int max, string? maxMeaning = null)
    {
        if (frozenStages < -1 || frozenStages > max)
        {
            string bound = maxMeaning is null ? $"{max}" : $"{max} ({maxMeaning})";
            throw new ArgumentException($"frozenStages must be -1 (none) .. {bound}, got {frozenStages}.");
        }
    }

    private void FreezeStages()
    {
        if (_frozenStages < 0)
        {
            return;
        }

        IEnumerable<nn.Module?> frozen = StemModules();
        for (int i = 0; i < _frozenStages; i++)
        {
            frozen = frozen.Concat(StageModules(i));
        }

        foreach (nn.Module? module in frozen)
        {
            if (module is null)
            {
                continue;
            }

            module.eval();
            foreach (Parameter parameter in module.parameters())
            {
                parameter.requires_grad = false;
            }
        }
    }
}
