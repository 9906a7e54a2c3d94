using QQuant.Training;

namespace QQuant.Tests.Training.Logging;

public sealed class IntervalMeterTests
{
    [Fact]
    public void ValuesAreAveragedWeightedByBatchSize()
    {
        var meter = new IntervalMeter();
        meter.Add("loss", 2.0, 128);
        meter.Add("top-1", 50.0, 128);
        meter.Add("loss", 1.0, 32);
        meter.Add("top-1", 25.0, 32);

        IReadOnlyList<KeyValuePair<string, double>> averages = meter.Averages();

        // loss (2 * 128 + 1 * 32) / 160 = 288 / 160 = 1.8; top-1 (50 * 128 + 25 * 32) / 160 = 7200 / 160 = 45.
        Assert.Equal(["loss", "top-1"], averages.Select(a => a.Key).ToArray());
        Assert.Equal(1.8, averages[0].Value, 1e-15);
        Assert.Equal(45.0, averages[1].Value, 1e-15);
    }

    [Fact]
    public void KeysKeepTheirFirstInsertionOrderAndTheirOwnWeights()
    {
        var meter = new IntervalMeter();
        meter.Add("loss", 1.5, 128);
        meter.Add("top-5", 90, 128);
        meter.Add("loss_alpha", 0.25, 32); // only in the second iteration
        meter.Add("loss", 0.5, 32);
        meter.Add("top-5", 80, 32);

        IReadOnlyList<KeyValuePair<string, double>> averages = meter.Averages();

        Assert.Equal(["loss", "top-5", "loss_alpha"], averages.Select(a => a.Key).ToArray());
        Assert.Equal(1.3, averages[0].Value, 1e-15);   // (192 + 16) / 160
        Assert.Equal(88.0, averages[1].Value, 1e-15);  // (11520 + 2560) / 160
        Assert.Equal(0.25, averages[2].Value, 1e-15);  // its own weight only
    }

    [Fact]
    public void TimesArePlainMeansOverIterations()
    {
        var meter = new IntervalMeter();
        Assert.Null(meter.MeanTime);
        Assert.Null(meter.MeanDataTime);

        meter.AddTime(1.0, 0.25);
        meter.AddTime(2.0, 0.5);
        meter.AddTime(4.5, 0.0);

        Assert.Equal(3, meter.TimedIterations);
        Assert.Equal(2.5, meter.MeanTime!.Value, 1e-15);      // 7.5 / 3
        Assert.Equal(0.25, meter.MeanDataTime!.Value, 1e-15); // 0.75 / 3
    }

    [Fact]
    public void ClearStartsTheNextInterval()
    {
        var meter = new IntervalMeter();
        meter.Add("loss", 3, 8);
        meter.AddTime(1, 1);

        meter.Clear();
        meter.Add("top-1", 10, 4);

        Assert.Equal("top-1", Assert.Single(meter.Averages()).Key);
        Assert.Null(meter.MeanTime);
        Assert.Equal(0, meter.TimedIterations);
    }

    [Fact]
    public void NaNPropagatesAndMisuseIsRejected()
    {
        var meter = new IntervalMeter();
        meter.Add("loss", double.NaN, 4);
        meter.Add("loss", 1, 4);

        Assert.True(double.IsNaN(meter.Averages()[0].Value));
        Assert.Throws<ArgumentOutOfRangeException>(() => meter.Add("loss", 1, 0));
        Assert.ThrowsAny<ArgumentException>(() => meter.Add("", 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => meter.AddTime(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => meter.AddTime(1, double.PositiveInfinity));
    }
}
