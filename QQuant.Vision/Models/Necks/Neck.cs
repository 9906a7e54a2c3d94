using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>The middle part of an <see cref="ImageClassifier"/>: from the backbone's output to the head's input.</summary>
public abstract class Neck : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the neck under <paramref name="name"/>.</summary>
    protected Neck(string name) : base(name)
    {
    }
}
