namespace QQuant.Vision;

/// <summary>
/// A backbone with a TorchVision counterpart: it knows where each key of a TorchVision (PyTorch) state dict lives in
/// an <see cref="ImageClassifier"/> built on it, so pretrained float weights load by name.
/// </summary>
public interface ITorchVisionLayout
{
    /// <summary>
    /// The classifier key for the TorchVision key <paramref name="torchVisionKey"/> (<c>conv1.weight</c> →
    /// <c>backbone.conv1.weight</c>, <c>fc.bias</c> → <c>head.fc.bias</c>), or null when the key has no place in
    /// the classifier (it is then reported as unexpected).
    /// </summary>
    string? MapTorchVisionKey(string torchVisionKey);
}
