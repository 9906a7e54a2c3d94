namespace QQuant.Vision;

/// <summary>
/// mmcls's <c>ResNetV1d</c> (<c>type: ResNetV1d</c>): a <see cref="ResNet"/> with the deep stem (<c>stem.0</c>..
/// <c>stem.2</c>, three 3x3 convs) and average-pool shortcuts (<c>downsample.0</c> pool, <c>.1</c> conv, <c>.2</c>
/// norm), as in "Bag of Tricks" (He et al. 2019). It has no torchvision counterpart: its stem keys map to null.
/// </summary>
public sealed class ResNetV1d : ResNet
{
    /// <summary>Builds the network; <c>deepStem</c> and <c>avgDown</c> must be unset or true.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names its key.</exception>
    public ResNetV1d(ResNetOptions options) : base(WithV1dDefaults(options), nameof(ResNetV1d), ResNetStem.Deep)
    {
    }

    private static ResNetOptions WithV1dDefaults(ResNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DeepStem == false || options.AvgDown == false)
        {
            string key = options.DeepStem == false ? "deepStem" : "avgDown";
            throw new ArgumentException(
                $"{key}: ResNetV1d always has a deep stem and average-pool shortcuts; remove {key} or use type ResNet.");
        }

        return new ResNetOptions
        {
            Depth = options.Depth,
            InChannels = options.InChannels,
            StemChannels = options.StemChannels,
            BaseChannels = options.BaseChannels,
            NumStages = options.NumStages,
            Strides = options.Strides,
            Dilations = options.Dilations,
            OutIndices = options.OutIndices,
            Style = options.Style,
            DeepStem = true,
            AvgDown = true,
            FrozenStages = options.FrozenStages,
            NormEval = options.NormEval,
            ZeroInitResidual = options.ZeroInitResidual,
        };
    }
}
