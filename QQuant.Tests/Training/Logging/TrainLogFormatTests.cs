using System.Text.Json;
using QQuant.Training;

namespace QQuant.Tests.Training.Logging;

public sealed class TrainLogFormatTests
{
    private static KeyValuePair<string, double> V(string key, double value) => new(key, value);

    // 68.22265625 = 8733/128 and 86.74951171875 = 86 + 3070/4096 are exact doubles: %.4f gives 68.2227 and 86.7495,
    // round(x, 5) gives 68.22266 and 86.74951.
    private static TrainLogEntry Reference() => new(
        "train", 1, 200, 626, 1e-3, TimeSpan.FromSeconds(91_931.7), 1.473, 0.449, 10283,
        [V("loss", 1.3465), V("top-1", 68.22265625), V("top-5", 86.74951171875)]);

    [Fact]
    public void TrainMessageMatchesTheReference()
    {
        Assert.Equal(
            "Epoch [1][200/626]\tlr: 1.000e-03, eta: 1 day, 1:32:11, time: 1.473, data_time: 0.449, memory: 10283, "
            + "loss: 1.3465, top-1: 68.2227, top-5: 86.7495",
            TrainLogFormat.Message(Reference()));
    }

    [Fact]
    public void TrainMessageWithoutMemoryEtaOrTimes()
    {
        var entry = new TrainLogEntry("train", 3, 10, 50, 0.1, null, null, null, null, [V("loss", 2.5), V("weight_quant_loss", 0.03125)]);

        // 0.03125 is exact: rounded to 4 decimals half to even it is 0.0312.
        Assert.Equal("Epoch [3][10/50]\tlr: 1.000e-01, loss: 2.5000, weight_quant_loss: 0.0312", TrainLogFormat.Message(entry));
    }

    [Fact]
    public void TrainMessageWithTimesButNoMemory()
    {
        var entry = new TrainLogEntry("train", 12, 626, 626, 2.5e-5, TimeSpan.FromSeconds(303), 1.4725, 0.0005, null, [V("loss", 0.1)]);

        // 1.4725 is stored as 1.47249999999999992..., so %.3f is 1.472; 0.0005 is 0.000500000000000000010..., so 0.001.
        Assert.Equal("Epoch [12][626/626]\tlr: 2.500e-05, eta: 0:05:03, time: 1.472, data_time: 0.001, loss: 0.1000",
            TrainLogFormat.Message(entry));
    }

    [Theory]
    [InlineData(0.1, "1.000e-01")]
    [InlineData(1e-3, "1.000e-03")]
    [InlineData(2.5e-5, "2.500e-05")]
    [InlineData(1e-100, "1.000e-100")]
    [InlineData(0.15625, "1.562e-01")]   // an exact tie: half to even
    [InlineData(1.5625, "1.562e+00")]    // an exact tie: half to even
    [InlineData(0.00015625, "1.563e-04")] // stored as 1.5625000000000000033e-04, above the tie: up
    [InlineData(123456.0, "1.235e+05")]
    [InlineData(0.0, "0.000e+00")]
    [InlineData(9.9995, "9.999e+00")]    // 9.99949999999999938... rounds down
    [InlineData(9.99951, "1.000e+01")]   // rounds up into the next decade
    public void LrHasThreeMantissaDigitsAndASignedExponent(double lr, string expected)
    {
        var entry = new TrainLogEntry("train", 1, 1, 1, lr, null, null, null, null, []);

        Assert.Equal($"Epoch [1][1/1]\tlr: {expected}", TrainLogFormat.Message(entry));
    }

    [Fact]
    public void NonFiniteValuesPrintAsPython()
    {
        var entry = new TrainLogEntry("train", 1, 5, 9, double.NaN, null, null, null, null,
            [V("loss", double.NaN), V("a", double.PositiveInfinity), V("b", double.NegativeInfinity), V("c", -0.00001)]);

        Assert.Equal("Epoch [1][5/9]\tlr: nan, loss: nan, a: inf, b: -inf, c: -0.0000", TrainLogFormat.Message(entry));
    }

    [Fact]
    public void ValMessageHasOnlyTheValues()
    {
        var entry = new TrainLogEntry("val", 1, 40, 626, 1e-3, TimeSpan.FromHours(1), 0.5, 0.1, 100,
            [V("accuracy_top-1", 91.23), V("accuracy_top-5", 99.81)]);

        Assert.Equal("Epoch(val) [1][40]\taccuracy_top-1: 91.2300, accuracy_top-5: 99.8100", TrainLogFormat.Message(entry));
    }

    [Fact]
    public void MessagesUseTheInvariantCulture()
    {
        System.Globalization.CultureInfo previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal(
                "Epoch [1][200/626]\tlr: 1.000e-03, eta: 1 day, 1:32:11, time: 1.473, data_time: 0.449, memory: 10283, "
                + "loss: 1.3465, top-1: 68.2227, top-5: 86.7495",
                TrainLogFormat.Message(Reference()));
            Assert.StartsWith("{\"mode\": \"train\", \"epoch\": 1, \"iter\": 200, \"lr\": 0.001,", TrainLogFormat.Json(Reference()), StringComparison.Ordinal);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData(0, "0:00:00")]
    [InlineData(59, "0:00:59")]
    [InlineData(303, "0:05:03")]
    [InlineData(3661, "1:01:01")]
    [InlineData(86_399, "23:59:59")]
    [InlineData(86_400, "1 day, 0:00:00")]
    [InlineData(91_931, "1 day, 1:32:11")]      // 86400 + 3600 + 32*60 + 11
    [InlineData(172_800, "2 days, 0:00:00")]
    [InlineData(259_205, "3 days, 0:00:05")]
    [InlineData(-1, "-1 day, 23:59:59")]
    public void EtaIsPythonsTimedelta(int seconds, string expected)
    {
        Assert.Equal(expected, TrainLogFormat.Eta(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void EtaTruncatesToWholeSeconds()
    {
        Assert.Equal("0:00:59", TrainLogFormat.Eta(TimeSpan.FromSeconds(59.999)));
        Assert.Equal("3 days, 0:00:00", TrainLogFormat.Eta(TimeSpan.FromDays(3) + TimeSpan.FromMilliseconds(999)));
    }

    [Fact]
    public void LineHasPythonLoggingsTimestamp()
    {
        var time = new DateTimeOffset(2026, 12, 1, 19, 42, 8, 123, TimeSpan.FromHours(1)).AddTicks(9999);

        Assert.Equal("2026-12-01 19:42:08,123 - qquant - INFO - Epoch(val) [1][40]\taccuracy_top-1: 91.2300",
            TrainLogFormat.Line(time, "qquant", "INFO", "Epoch(val) [1][40]\taccuracy_top-1: 91.2300"));
        Assert.Equal("2027-01-02 03:04:05,006 - qquant - WARNING - x",
            TrainLogFormat.Line(new DateTimeOffset(2027, 1, 2, 3, 4, 5, 6, TimeSpan.Zero), "qquant", "WARNING", "x"));
    }

    [Fact]
    public void JsonMatchesTheReferenceByteForByte()
    {
        Assert.Equal(
            "{\"mode\": \"train\", \"epoch\": 1, \"iter\": 200, \"lr\": 0.001, \"memory\": 10283, \"data_time\": 0.449, "
            + "\"time\": 1.473, \"loss\": 1.3465, \"top-1\": 68.22266, \"top-5\": 86.74951}",
            TrainLogFormat.Json(Reference()));
    }

    [Fact]
    public void JsonParsesBackInOrderAndRounded()
    {
        string line = TrainLogFormat.Json(Reference());

        Assert.DoesNotContain('\n', line);
        using JsonDocument json = JsonDocument.Parse(line);
        Assert.Equal(
            ["mode", "epoch", "iter", "lr", "memory", "data_time", "time", "loss", "top-1", "top-5"],
            json.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("train", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(200, json.RootElement.GetProperty("iter").GetInt32());
        Assert.Equal(10283, json.RootElement.GetProperty("memory").GetInt64());
        Assert.Equal(68.22266, json.RootElement.GetProperty("top-1").GetDouble());
        Assert.Equal(86.74951, json.RootElement.GetProperty("top-5").GetDouble());
        Assert.False(json.RootElement.TryGetProperty("eta", out _));
    }

    [Fact]
    public void JsonRoundsToFiveDecimalsAndWritesFloatsAsPython()
    {
        var entry = new TrainLogEntry("val", 2, 40, 626, 2.5e-5, null, null, null, null,
            [V("a", 2.0), V("b", 1e-5), V("c", 123456789.123456789), V("d", 0.000015), V("e", 1e17), V("f", 0.125),
             V("g", 1.000005), V("h", 0.0000049)]);

        // Python: round(2.5e-5, 5) = 3e-05 (2.5e-5 is stored above the tie), round(0.000015, 5) = 2e-05 (likewise),
        // round(1.000005, 5) = 1.00001, round(4.9e-6, 5) = 0.0.
        Assert.Equal(
            "{\"mode\": \"val\", \"epoch\": 2, \"iter\": 40, \"lr\": 3e-05, \"a\": 2.0, \"b\": 1e-05, \"c\": 123456789.12346, "
            + "\"d\": 2e-05, \"e\": 1e+17, \"f\": 0.125, \"g\": 1.00001, \"h\": 0.0}",
            TrainLogFormat.Json(entry));
    }

    [Fact]
    public void JsonWritesNonFiniteValuesAsNamedStrings()
    {
        var entry = new TrainLogEntry("train", 1, 1, 1, 0.1, null, double.PositiveInfinity, null, null,
            [V("loss", double.NaN), V("x", double.NegativeInfinity)]);

        string line = TrainLogFormat.Json(entry);

        Assert.Equal("{\"mode\": \"train\", \"epoch\": 1, \"iter\": 1, \"lr\": 0.1, \"time\": \"Infinity\", \"loss\": \"NaN\", "
                     + "\"x\": \"-Infinity\"}", line);
        var options = new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        Dictionary<string, JsonElement> back = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line)!;
        Assert.True(double.IsNaN(back["loss"].Deserialize<double>(options)));
        Assert.Equal(double.NegativeInfinity, back["x"].Deserialize<double>(options));
    }

    [Fact]
    public void JsonEscapesNamesAndKeepsSeparatorsInsideStrings()
    {
        var entry = new TrainLogEntry("train", 1, 1, 1, 0.1, null, null, null, null, [V("a, b: \"c\"", 1)]);

        string line = TrainLogFormat.Json(entry);

        using JsonDocument json = JsonDocument.Parse(line);
        Assert.Equal(1.0, json.RootElement.GetProperty("a, b: \"c\"").GetDouble());
        Assert.DoesNotContain("a,  b", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("test", 1, 1, "loss")]
    [InlineData("train", 0, 1, "loss")]
    [InlineData("train", 1, 0, "loss")]
    [InlineData("train", 1, 1, "lr")]
    [InlineData("train", 1, 1, "time")]
    [InlineData("train", 1, 1, "")]
    public void InvalidEntriesAreRejected(string mode, int epoch, int iteration, string key)
    {
        var entry = new TrainLogEntry(mode, epoch, iteration, 10, 0.1, null, null, null, null, [V(key, 1)]);

        Assert.Throws<ArgumentException>(() => TrainLogFormat.Message(entry));
        Assert.Throws<ArgumentException>(() => TrainLogFormat.Json(entry));
    }

    [Fact]
    public void RepeatedValueNamesAreRejected()
    {
        var entry = new TrainLogEntry("train", 1, 1, 10, 0.1, null, null, null, null, [V("loss", 1), V("loss", 2)]);

        ArgumentException e = Assert.Throws<ArgumentException>(() => TrainLogFormat.Message(entry));
        Assert.Contains("'loss'", e.Message, StringComparison.Ordinal);
    }
}
