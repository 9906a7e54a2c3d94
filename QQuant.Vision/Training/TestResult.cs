namespace QQuant.Vision;

/// <summary>What <see cref="ClassifierTester.Test"/> measured.</summary>
/// <param name="Metrics">The metrics in order (<c>accuracy_top-1</c>, ...), in percent.</param>
/// <param name="Samples">The samples evaluated.</param>
/// <param name="Predictions">Each sample's prediction when asked for, else empty.</param>
public sealed record TestResult(IReadOnlyList<KeyValuePair<string, double>> Metrics, int Samples, IReadOnlyList<Prediction> Predictions);
