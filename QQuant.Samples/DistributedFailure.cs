using System.Runtime.ExceptionServices;
using QQuant.Distributed;
using QQuant.Training;

namespace QQuant.Samples;

/// <summary>
/// How a command run by several processes fails: once, and never as a hang. A failure while preparing is agreed on
/// (every process learns which ones failed; the lowest failing rank reports it, every process exits 1). A failure
/// while training, where the others wait in a collective, is reported by the failing process, which then aborts
/// them all. A diverged loss is seen by every process at once and reported by rank 0.
/// </summary>
internal static class DistributedFailure
{
    /// <summary>Runs <paramref name="prepare"/> on every process and returns its result where it succeeded everywhere.</summary>
    public static T Prepare<T>(IProcessGroup group, Func<T> prepare)
        where T : class, IDisposable
    {
        if (group.Size == 1)
        {
            return prepare();
        }

        T? result = null;
        ExceptionDispatchInfo? failure = null;
        try
        {
            result = prepare();
        }
        catch (Exception e)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }

        double[] failed = new double[group.Size];
        failed[group.Rank] = failure is null ? 0 : 1;
        group.AllReduceSum(failed);
        int first = Array.FindIndex(failed, f => f > 0);
        if (first < 0)
        {
            return result!;
        }

        result?.Dispose();
        if (group.Rank == first)
        {
            failure!.Throw();
        }

        throw new QuietFailure();
    }

    /// <summary>Runs <paramref name="train"/>; a failure on this process alone stops every process of the group.</summary>
    public static T Train<T>(IProcessGroup group, TextWriter error, bool verbose, Func<T> train)
    {
        try
        {
            return train();
        }
        catch (Exception e) when (OnEveryProcess(e) && group.Rank != 0)
        {
            throw new QuietFailure();
        }
        catch (Exception e) when (group.Size > 1 && !OnEveryProcess(e))
        {
            error.WriteLine($"error: process {group.Rank} of {group.Size}: {(verbose ? e.ToString() : e.Message)}");
            error.Flush();
            group.Abort(1);
            throw;
        }
    }

    // A diverged loss and a state mismatch are found by a collective, so every process throws them together.
    private static bool OnEveryProcess(Exception e) => e is TrainingDivergedException or DistributedException { OnEveryProcess: true };
}

/// <summary>Another process reported the error; this one exits 1 without a message.</summary>
internal sealed class QuietFailure : QQuantException
{
    public QuietFailure()
        : base("another process failed and reported it")
    {
    }
}
