using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Backbone → neck → head, under the reference's module names (<c>backbone.conv1</c>, <c>backbone.layer1.0.conv1</c>,
/// <c>neck</c>, <c>head.fc</c>), so the special-layer names of QQuant configs work unchanged. <c>forward</c> returns
/// logits; <see cref="Loss"/> and <see cref="Accuracy"/> come from the head.
/// </summary>
public sealed class ImageClassifier : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly nn.Module<Tensor, Tensor>? neck;
    private readonly nn.Module<Tensor, Tensor> head;

    /// <summary>Creates the classifier from its parts.</summary>
    public ImageClassifier(Backbone backbone, Neck? neck, ClsHead head) : base(nameof(ImageClassifier))
    {
        this.backbone = backbone ?? throw new ArgumentNullException(nameof(backbone), "An ImageClassifier needs a backbone.");
        this.neck = neck;
        this.head = head ?? throw new ArgumentNullException(nameof(head), "An ImageClassifier needs a head.");
        RegisterComponents();
    }

    /// <summary>Creates the classifier from options (what configuration binds).</summary>
    public ImageClassifier(ImageClassifierOptions options)
        : this(options.Backbone ?? throw new ArgumentException("backbone is required."),
               options.Neck,
               options.Head ?? throw new ArgumentException("head is required."))
    {
    }

    // The parts are read back from the fields: RegisterComponents would register auto-property backing fields twice.

    /// <summary>The feature extractor.</summary>
    public Backbone Backbone => (Backbone)backbone;

    /// <summary>The neck, or null.</summary>
    public Neck? Neck => (Neck?)neck;

    /// <summary>The head: logits, loss and accuracy.</summary>
    public ClsHead Head => (ClsHead)head;

    /// <summary>
    /// The class names, indexed by label (<c>CLASSES</c>): set from a dataset or a checkpoint's meta; null until then.
    /// </summary>
    public IReadOnlyList<string>? Classes { get; set; }

    /// <summary>The neck's output (the backbone's when there is no neck): what the head receives.</summary>
    public Tensor ExtractFeatures(Tensor images)
    {
        Tensor features = backbone.call(images);
        if (neck is null)
        {
            return features;
        }

        using (features)
        {
            return neck.call(features);
        }
    }

    /// <summary>Logits <c>[N, classes]</c> for <paramref name="images"/> <c>[N, C, H, W]</c>.</summary>
    public override Tensor forward(Tensor images)
    {
        using Tensor features = ExtractFeatures(images);
        return head.call(features);
    }

    /// <summary>The head's loss of <paramref name="logits"/> against <paramref name="labels"/>.</summary>
    public Tensor Loss(Tensor logits, Tensor labels) => Head.Loss(logits, labels);

    /// <summary>The head's top-k accuracies (percent) of <paramref name="logits"/> against <paramref name="labels"/>.</summary>
    public IReadOnlyDictionary<string, double> Accuracy(Tensor logits, Tensor labels) => Head.Accuracy(logits, labels);

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue features = context.Emit("backbone", backbone, input);
        features = neck is null ? features : context.Emit("neck", neck, features);
        return context.Emit("head", head, features);
    }
}
