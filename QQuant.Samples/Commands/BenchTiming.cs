namespace QQuant.Samples.Commands;

/// <summary>The benchmarks' timing: medians after warm-up runs, and measurements alternated with a baseline's.</summary>
internal static class BenchTiming
{
    private const int WarmUps = 2;

    /// <summary>The median of <paramref name="runs"/> results of <paramref name="measure"/>, after <paramref name="warmUps"/> warm-up runs.</summary>
    public static double Median(int runs, Func<double> measure, int warmUps = WarmUps)
    {
        for (int i = 0; i < warmUps; i++)
        {
            measure();
        }

        return Median([.. Enumerable.Range(0, runs).Select(_ => measure())]);
    }

    /// <summary>
    /// Runs <paramref name="measure"/> and <paramref name="baseline"/> alternately (after two warm-up pairs), so both
    /// see the same machine state; returns the median of the first and its ratio to the baseline's median.
    /// </summary>
    public static (double Median, double Ratio) Alternating(int runs, Func<double> measure, Func<double> baseline)
    {
        for (int i = 0; i < WarmUps; i++)
        {
            measure();
            baseline();
        }

        var times = new List<double>();
        var baselines = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            times.Add(measure());
            baselines.Add(baseline());
        }

        double median = Median(times);
        return (median, median / Median(baselines));
    }

    /// <summary>The median of <paramref name="values"/> (sorts them).</summary>
    public static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
