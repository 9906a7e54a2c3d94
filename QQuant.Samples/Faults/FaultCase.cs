namespace QQuant.Samples.Faults;

/// <summary>Runs one fault case under a time limit and counts it.</summary>
internal static class FaultCase
{
    /// <summary>
    /// Runs <paramref name="judge"/> (null: survived; else what went wrong) on a worker thread; a case still running
    /// after <paramref name="timeout"/> counts as a hang (its thread is left behind: it cannot be stopped safely).
    /// </summary>
    public static void Judge(FaultTally tally, string what, Func<string?> judge, TimeSpan timeout)
    {
        Task<string?> task = Task.Run(judge);
        if (!task.Wait(timeout))
        {
            tally.Fail($"{what}: no answer within {timeout.TotalSeconds:0} s (hang)");
            return;
        }

        if (task.Result is { } failure)
        {
            tally.Fail($"{what}: {failure}");
        }
        else
        {
            tally.Pass();
        }
    }
}
