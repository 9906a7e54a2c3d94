namespace QQuant.Samples.Faults;

/// <summary>
/// <c>checkpoint-truncate</c>: a saved checkpoint cut at sampled lengths (0 bytes, one byte short, and lengths over
/// the whole file, zip directory included); each cut copy is loaded, restored into a model and an optimizer.
/// </summary>
internal sealed class CheckpointTruncateFault : IFaultClass
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(60);

    public string Name => "checkpoint-truncate";

    public string Description =>
        "A checkpoint cut short (0 bytes to one byte short): survived = a CheckpointFileException naming the file and the part that failed (checksum, zip directory, entry).";

    public int Cases(bool full) => full ? 200 : 25;

    public FaultOutcome Run(FaultRun run)
    {
        var random = new Random(run.Seed);
        ulong seed = (ulong)run.Seed;
        string original = Path.Combine(run.Folder, "original.ckpt");
        SampleCheckpoint sample = SampleCheckpoint.Save(original, seed);
        byte[] bytes = File.ReadAllBytes(original);
        var tally = new FaultTally();
        // A length is a position of the file: cutting at position p keeps p bytes (0 to length - 1).
        foreach (long length in FilePositions.Spread(bytes, run.Cases, random))
        {
            string path = Path.Combine(run.Folder, $"cut-{length}.ckpt");
            File.WriteAllBytes(path, bytes[..(int)length]);
            string what = $"cut to {length} of {bytes.Length} bytes";
            run.Progress.WriteLine(what);
            FaultCase.Judge(tally, what, () => sample.Judge(path, seed), CaseTimeout);
            File.Delete(path);
        }

        return tally.Outcome();
    }
}
