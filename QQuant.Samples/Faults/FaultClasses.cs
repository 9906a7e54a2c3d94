namespace QQuant.Samples.Faults;

/// <summary>The fault classes <c>qquant bench faults</c> runs, in the order of its table.</summary>
internal static class FaultClasses
{
    public static IReadOnlyList<IFaultClass> All { get; } =
    [
        new KillNineFault(),
    ];
}
