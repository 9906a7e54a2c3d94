using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Loads pretrained float weights (<c>.pth</c>, <c>.pt</c>, <c>.safetensors</c>, <c>.dat</c> or a QQuant checkpoint)
/// into an <see cref="ImageClassifier"/>, before or after it is quantized: quantized layers keep the float layers'
/// <c>weight</c>/<c>bias</c> names, and quantizer state absent from a float file initialises from data later.
/// </summary>
public static class PretrainedWeights
{
    private static readonly string[] ClassifierPrefixes = ["backbone.", "neck.", "head."];
    private const string WrapperPrefix = "module.";

    /// <summary>Reads <paramref name="path"/> and loads it into <paramref name="classifier"/>.</summary>
    /// <param name="classifier">The classifier to fill (any device; values are copied to each tensor's device and dtype).</param>
    /// <param name="path">The weights file; its extension picks the format.</param>
    /// <param name="layout">How the file's keys are named; <see cref="WeightLayout.Auto"/> decides from them.</param>
    /// <param name="strict">True: any missing, unexpected or shape-mismatched key throws before anything changes.</param>
    /// <returns>What was loaded and what was not.</returns>
    /// <exception cref="CheckpointFileException">The file cannot be read.</exception>
    /// <exception cref="StateDictMismatchException">Strict and the keys or shapes do not match.</exception>
    /// <exception cref="ArgumentException">TorchVision layout with a backbone that has no <see cref="ITorchVisionLayout"/>.</exception>
    public static StateDictLoadReport Load(ImageClassifier classifier, string path, WeightLayout layout = WeightLayout.Auto, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        Dictionary<string, Tensor> state = StateDictFile.Load(path);
        try
        {
            return Load(classifier, state, $"'{path}'", layout, strict);
        }
        finally
        {
            foreach (Tensor t in state.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Loads <paramref name="state"/> (already read) into <paramref name="classifier"/>; see the file overload.</summary>
    /// <param name="classifier">The classifier to fill.</param>
    /// <param name="state">The tensors by key; only read.</param>
    /// <param name="source">Where they came from, for the report and messages.</param>
    /// <param name="layout">How the keys are named.</param>
    /// <param name="strict">True: any mismatch throws before anything changes.</param>
    public static StateDictLoadReport Load(
        ImageClassifier classifier, IReadOnlyDictionary<string, Tensor> state, string source, WeightLayout layout = WeightLayout.Auto, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(state);
        bool wrapped = state.Count > 0 && state.Keys.All(k => k.StartsWith(WrapperPrefix, StringComparison.Ordinal));
        Func<string, string> unwrap = wrapped ? k => k[WrapperPrefix.Length..] : k => k;
        WeightLayout resolved = layout == WeightLayout.Auto ? DetectLayout(state.Keys.Select(unwrap)) : layout;
        Func<string, string?> map = resolved switch
        {
            WeightLayout.Classifier => unwrap,
            _ => TorchVisionMap(classifier, unwrap),
        };
        return StateDictLoader.Load(classifier, state, new StateDictLoadOptions
        {
            KeyMap = map,
            Strict = strict,
            UnmappedAreUnexpected = true,
            Source = $"{source} ({resolved} layout)",
        });
    }

    /// <summary>
    /// <see cref="WeightLayout.Classifier"/> when any key starts with <c>backbone.</c>, <c>neck.</c> or <c>head.</c>,
    /// otherwise <see cref="WeightLayout.TorchVision"/>.
    /// </summary>
    public static WeightLayout DetectLayout(IEnumerable<string> keys) =>
        keys.Any(k => ClassifierPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal)))
            ? WeightLayout.Classifier
            : WeightLayout.TorchVision;

    private static Func<string, string?> TorchVisionMap(ImageClassifier classifier, Func<string, string> unwrap)
    {
        if (classifier.Backbone is not ITorchVisionLayout torchVision)
        {
            throw new ArgumentException(
                $"The weights are in TorchVision layout, but the backbone {classifier.Backbone.GetType().Name} does not "
                + $"implement {nameof(ITorchVisionLayout)}, so their keys cannot be placed. Use a backbone with a TorchVision "
                + $"counterpart (such as ResNet), or weights saved from an ImageClassifier ({nameof(WeightLayout)}.{nameof(WeightLayout.Classifier)}).");
        }

        return key => torchVision.MapTorchVisionKey(unwrap(key));
    }
}
