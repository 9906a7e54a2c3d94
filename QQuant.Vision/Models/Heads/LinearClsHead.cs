using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Optional dropout, then one linear layer <c>fc</c> (initialised N(0, 0.01), bias 0, as the reference does). A policy
/// names that layer <c>head.fc</c>.
/// </summary>
public sealed class LinearClsHead : ClsHead, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor>? dropout;
    private readonly nn.Module<Tensor, Tensor> fc;
    private readonly ClassificationLoss loss;

    /// <summary>Creates the head.</summary>
    public LinearClsHead(LinearClsHeadOptions options)
        : base(nameof(LinearClsHead), options.NumClasses, options.TopK)
    {
        if (options.InChannels <= 0)
        {
            throw new ArgumentException($"inChannels must be positive, got {options.InChannels}.");
        }

        if (options.DropOutRatio is { } p && !(p > 0 && p < 1))
        {
            throw new ArgumentException($"dropOutRatio must be in (0, 1) or unset, got {p}.");
        }

        InChannels = options.InChannels;
        dropout = options.DropOutRatio is { } ratio ? nn.Dropout(ratio) : null;
        var linear = nn.Linear(options.InChannels, options.NumClasses);
        using (no_grad())
        {
            nn.init.normal_(linear.weight!, 0, 0.01);
            nn.init.zeros_(linear.bias!);
        }

        fc = linear;
        loss = options.Loss ?? new CrossEntropyLoss();
        RegisterComponents();
    }

    /// <summary>The feature width the head takes.</summary>
    public int InChannels { get; }

    /// <summary>The loss this head computes.</summary>
    public ClassificationLoss LossFunction => loss;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 2 || input.shape[1] != InChannels)
        {
            throw new ArgumentException(
                $"LinearClsHead takes [N, {InChannels}] features, got [{string.Join(", ", input.shape)}]; "
                + "put a neck such as GlobalAveragePooling before it or fix inChannels.");
        }

        return dropout is null ? fc.call(input) : fc.call(dropout.call(input));
    }

    /// <inheritdoc />
    public override Tensor Loss(Tensor logits, Tensor labels) => loss.call(logits, labels);

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input) =>
        context.Emit("fc", fc, dropout is null ? input : context.Emit("dropout", dropout, input));
}
