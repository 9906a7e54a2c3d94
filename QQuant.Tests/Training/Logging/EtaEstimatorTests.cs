using QQuant.Training;

namespace QQuant.Tests.Training.Logging;

public sealed class EtaEstimatorTests
{
    [Fact]
    public void RemainingIsTheMeanOfAllRecordedIterationsTimesTheIterationsLeft()
    {
        var eta = new EtaEstimator();
        eta.Record(1.0);
        eta.Record(2.0);
        eta.Record(3.0);

        // mean (1 + 2 + 3) / 3 = 2 s; 1000 iterations left: 2000 s = 0:33:20.
        Assert.Equal(3, eta.Count);
        Assert.Equal(2.0, eta.MeanSeconds);
        Assert.Equal(TimeSpan.FromSeconds(2000), eta.Remaining(1000));
        Assert.Equal("0:33:20", TrainLogFormat.Eta(eta.Remaining(1000)));
        Assert.Equal(TimeSpan.Zero, eta.Remaining(0));
    }

    [Fact]
    public void TheAverageCoversEveryIterationNotTheLastInterval()
    {
        var eta = new EtaEstimator();
        for (int i = 0; i < 100; i++)
        {
            eta.Record(0.5);
        }

        eta.Record(100.5);

        // (100 * 0.5 + 100.5) / 101 = 150.5 / 101 s per iteration; 101 000 left: 150 500 s = 1 day, 17:48:20.
        Assert.Equal(TimeSpan.FromSeconds(150_500), eta.Remaining(101_000));
        Assert.Equal("1 day, 17:48:20", TrainLogFormat.Eta(eta.Remaining(101_000)));
    }

    [Fact]
    public void ANewEstimatorStartsANewAverage()
    {
        var first = new EtaEstimator();
        first.Record(10);
        var resumed = new EtaEstimator();
        resumed.Record(1);

        Assert.Equal(TimeSpan.FromSeconds(5), resumed.Remaining(5));
    }

    [Fact]
    public void MisuseIsRejected()
    {
        var eta = new EtaEstimator();

        Assert.Null(eta.MeanSeconds);
        Assert.Throws<InvalidOperationException>(() => eta.Remaining(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => eta.Record(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => eta.Record(double.NaN));
        eta.Record(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => eta.Remaining(-1));
    }
}
