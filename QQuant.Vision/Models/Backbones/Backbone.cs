using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// A feature extractor: the first part of an <see cref="ImageClassifier"/>. Every layer inside is held as
/// <c>Module&lt;Tensor,Tensor&gt;</c> so a policy can swap any conv or linear for a quantized one.
/// </summary>
public abstract class Backbone : nn.Module<Tensor, Tensor>
{
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
}
