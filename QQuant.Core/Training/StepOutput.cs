using static TorchSharp.torch;

namespace QQuant.Training;

/// <summary>What one forward pass of a training step yields.</summary>
/// <param name="Loss">The scalar loss to minimise (the sum of every loss term).</param>
/// <param name="BatchSize">The samples in the batch; the log averages are weighted by it.</param>
/// <param name="Values">Extra values to log in order (for example <c>top-1</c>, <c>top-5</c>); <c>loss</c> is added by the trainer.</param>
public sealed record StepOutput(Tensor Loss, int BatchSize, IReadOnlyList<KeyValuePair<string, double>> Values);
