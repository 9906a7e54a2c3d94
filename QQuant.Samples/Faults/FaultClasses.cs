namespace QQuant.Samples.Faults;

/// <summary>The fault classes <c>qquant bench faults</c> runs, in the order of its table.</summary>
internal static class FaultClasses
{
    public static IReadOnlyList<IFaultClass> All { get; } =
    [
        new CheckpointFlipFault(),
        new CheckpointTruncateFault(),
        new FullDiskFault(),
        new KillNineFault(),
        new ConfigFuzz(),
        new ImageFaults(),
        new ConcurrencyFaults(),
        new NanFaults(),
    ];
}
