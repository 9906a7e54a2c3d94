namespace QQuant.Samples.Faults;

/// <summary>
/// <c>checkpoint-flip</c>: one byte of a saved checkpoint flipped (a random nonzero mask) at sampled positions over the
/// whole file, zip headers and directory included; each damaged copy is loaded, restored into a model and an optimizer.
/// </summary>
internal sealed class CheckpointFlipFault : IFaultClass
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(60);

    public string Name => "checkpoint-flip";

    public string Description =>
        "One byte of a checkpoint flipped: survived = a CheckpointFileException naming the file and the part that failed (checksum, zip directory, entry), or a load equal to the original bit for bit.";

    public int Cases(bool full) => full ? 200 : 25;

    public FaultOutcome Run(FaultRun run)
    {
        var random = new Random(run.Seed);
        ulong seed = (ulong)run.Seed;
        string original = Path.Combine(run.Folder, "original.ckpt");
        SampleCheckpoint sample = SampleCheckpoint.Save(original, seed);
        byte[] bytes = File.ReadAllBytes(original);
        var tally = new FaultTally();
        foreach (long position in FilePositions.Spread(bytes, run.Cases, random))
        {
            byte mask = (byte)random.Next(1, 256);
            byte[] damaged = (byte[])bytes.Clone();
            damaged[position] ^= mask;
            string path = Path.Combine(run.Folder, $"flip-{position}.ckpt");
            File.WriteAllBytes(path, damaged);
            string what = $"byte {position} of {bytes.Length} XOR 0x{mask:x2}";
            run.Progress.WriteLine(what);
            FaultCase.Judge(tally, what, () => sample.Judge(path, seed), CaseTimeout);
            File.Delete(path);
        }

        return tally.Outcome();
    }
}
