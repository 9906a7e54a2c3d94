namespace QQuant;

/// <summary>
/// The <see cref="ProgressStep"/> reports of a pass over batches: <c>Done = 0</c> at the start, one per batch, and,
/// when the number of batches was not known in advance, a last one whose total is the count.
/// </summary>
internal sealed class BatchProgress(IProgress<ProgressStep>? progress, string stage, int? total)
{
    /// <summary>Reports the start of the pass.</summary>
    public void Start() => progress?.Report(new ProgressStep(stage, 0, total ?? 0));

    /// <summary>Reports that <paramref name="done"/> batches have run.</summary>
    public void Batch(int done) => progress?.Report(new ProgressStep(stage, done, total ?? 0));

    /// <summary>Ends the pass after <paramref name="done"/> batches: a last report with that total if it was not known.</summary>
    public void End(int done)
    {
        if (total is null && done > 0)
        {
            progress?.Report(new ProgressStep(stage, done, done));
        }
    }
}
