namespace QQuant.Samples.Faults;

/// <summary>
/// One class of fault that <c>qquant bench faults</c> injects (a flipped checkpoint byte, a full disk, a killed
/// process, ...): it tries a number of cases and counts those the library survived, that is, behaved as promised
/// (a clear <see cref="QQuantException"/> or a correct result, never a crash, hang or silent wrong answer).
/// </summary>
internal interface IFaultClass
{
    /// <summary>The row's name in the table and the value of <c>--only</c>, e.g. <c>checkpoint-bytes</c>.</summary>
    string Name { get; }

    /// <summary>One line: what is injected and what surviving means.</summary>
    string Description { get; }

    /// <summary>How many cases a run tries: the count with <c>--full</c>, a reduced one for CI otherwise.</summary>
    int Cases(bool full);

    /// <summary>Tries <see cref="FaultRun.Cases"/> cases in <see cref="FaultRun.Folder"/> (a fresh folder it may fill).</summary>
    FaultOutcome Run(FaultRun run);
}

/// <summary>
/// What a fault class is asked to do: how many cases, where to write, the seed its random choices follow, and whether
/// a case over its time limit counts as not survived (<c>bench faults</c> does; the unit tests, run beside other
/// test classes, leave timing to it).
/// </summary>
internal sealed record FaultRun(int Cases, string Folder, int Seed, TextWriter Progress, bool Timed = true);

/// <summary>
/// What a fault class measured. <paramref name="LostData"/> counts cases after which work saved before the fault
/// (a checkpoint, a file) was unreadable or changed; <paramref name="Failures"/> describes the first few cases not
/// survived, enough to reproduce them.
/// </summary>
internal sealed record FaultOutcome(int Tried, int Survived, int LostData, IReadOnlyList<string> Failures)
{
    /// <summary>How many failures an outcome keeps (the count of cases not survived is exact regardless).</summary>
    public const int KeptFailures = 5;

    public bool Passed => Survived == Tried && LostData == 0 && Tried > 0;
}

/// <summary>Counts cases as a fault class tries them.</summary>
internal sealed class FaultTally
{
    private readonly List<string> _failures = [];

    public int Tried { get; private set; }

    public int Survived { get; private set; }

    public int LostData { get; private set; }

    public void Pass() => (Tried, Survived) = (Tried + 1, Survived + 1);

    /// <summary>A case not survived; <paramref name="lostData"/> when saved work was damaged by it.</summary>
    public void Fail(string description, bool lostData = false)
    {
        Tried++;
        LostData += lostData ? 1 : 0;
        if (_failures.Count < FaultOutcome.KeptFailures)
        {
            _failures.Add(description);
        }
    }

    public FaultOutcome Outcome() => new(Tried, Survived, LostData, _failures.ToArray());
}
