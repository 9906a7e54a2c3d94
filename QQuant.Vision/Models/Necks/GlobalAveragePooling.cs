using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>Averages each channel over height and width: <c>[N, C, H, W]</c> → <c>[N, C]</c>.</summary>
public sealed class GlobalAveragePooling : Neck
{
    /// <summary>Creates the neck.</summary>
    public GlobalAveragePooling() : base(nameof(GlobalAveragePooling))
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() == 2)
        {
            return input.alias();
        }

        if (input.dim() != 4)
        {
            throw new ArgumentException(
                $"GlobalAveragePooling takes [N, C, H, W] (or already pooled [N, C]) features, got [{string.Join(", ", input.shape)}].");
        }

        return input.mean([2, 3]);
    }
}
