namespace QQuant;

/// <summary>
/// One report of long work (calibration, BatchNorm re-estimation, per-layer sensitivity, ONNX export), given to the
/// <see cref="IProgress{T}"/> that the work's options or parameters take. The library never writes progress anywhere
/// itself; the caller decides whether and how to show it (the <c>qquant</c> command line shows it on a terminal only).
/// </summary>
/// <remarks>
/// A stage reports <c>Done = 0</c> when it starts, then once after each unit of work (a batch, a layer) with
/// <see cref="Done"/> counting up by one, and ends with <c>Done == Total</c> (<see cref="IsLast"/>); when the total was
/// not known, that last report repeats the count with it as the total. Reports come synchronously on the thread doing
/// the work, in order (so pass an <see cref="IProgress{T}"/> of your own rather than <see cref="Progress{T}"/>, which
/// posts them to the thread pool); a slow <see cref="IProgress{T}.Report"/> slows the work down.
/// </remarks>
/// <param name="Stage">What is being done, in a few words (for example <c>calibration</c>, <c>sensitivity</c>).</param>
/// <param name="Done">How many units of the stage are complete.</param>
/// <param name="Total">How many units the stage has; 0 while that is not known yet (batches from a sequence that does
/// not know its length), in which case the last report has <c>Done == Total</c>.</param>
/// <param name="Item">The unit just completed (a layer's path, for example), or null.</param>
public sealed record ProgressStep(string Stage, int Done, int Total, string? Item = null)
{
    /// <summary>Whether this report ends its stage: the total is known and reached.</summary>
    public bool IsLast => Total > 0 && Done >= Total;
}
