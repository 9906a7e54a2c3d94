using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// The last part of an <see cref="ImageClassifier"/>: maps features to logits and owns the loss and the top-k
/// accuracy that training reports.
/// </summary>
public abstract class ClsHead : nn.Module<Tensor, Tensor>
{
    private readonly int[] _topK;

    /// <summary>Creates the head under <paramref name="name"/>.</summary>
    protected ClsHead(string name, int numClasses, IReadOnlyList<int>? topK) : base(name)
    {
        if (numClasses <= 0)
        {
            throw new ArgumentException($"numClasses must be positive, got {numClasses}.");
        }

        _topK = [.. topK ?? [1]];
        if (_topK.Length == 0 || _topK.Any(k => k < 1 || k > numClasses))
        {
            throw new ArgumentException($"topk must list values between 1 and numClasses ({numClasses}), got [{string.Join(", ", _topK)}].");
        }

        NumClasses = numClasses;
    }

    /// <summary>The number of classes the logits cover.</summary>
    public int NumClasses { get; }

    /// <summary>The k of each reported top-k accuracy (<c>topk</c>).</summary>
    public IReadOnlyList<int> TopK => _topK;

    /// <summary>The loss of <paramref name="logits"/> against <paramref name="labels"/>.</summary>
    public abstract Tensor Loss(Tensor logits, Tensor labels);

    /// <summary>
    /// The percentage of samples whose label is among the k highest logits, for each k of <see cref="TopK"/>
    /// (keys <c>accuracy_top-k</c> as in the reference's log).
    /// </summary>
    public IReadOnlyDictionary<string, double> Accuracy(Tensor logits, Tensor labels) =>
        TopKAccuracy.Compute(logits, labels, _topK);
}
