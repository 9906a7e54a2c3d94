using QQuant.Analysis;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Analysis;

public sealed class AnalysisJsonTests
{
    internal static AnalysisReport SmallReport(bool withSensitivity = true)
    {
        Sequential floatNet = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 3));
        Sequential quantized = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 3));
        quantized.load_state_dict(floatNet.state_dict());
        quantized.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4).For<Linear>().Use<LSQLinear>(w: 4, a: 4));
        using var generator = new Generator(11);
        using Tensor x = randn(new long[] { 4, 1, 8, 8 }, generator: generator);
        QuantCalibration.Calibrate(quantized, [x]);
        ModelAnalysisResult comparison = ModelAnalysis.Compare(floatNet, quantized, [x]);
        SensitivityResult? sensitivity = withSensitivity ? SensitivityAnalysis.Measure(floatNet, quantized, [x]) : null;
        return new AnalysisReport("1.2.3", new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero), "float.json + float.ckpt", "lsq.json + lsq.ckpt", "x.png", comparison, sensitivity);
    }

    [Fact]
    public void A_report_round_trips_through_its_json()
    {
        AnalysisReport report = SmallReport();

        string json = AnalysisJson.Write(report);
        AnalysisReport read = AnalysisJson.Read(json);

        Assert.Equal(json, AnalysisJson.Write(read));
        Assert.Equal(report.Comparison.Layers.Select(l => l.Name), read.Comparison.Layers.Select(l => l.Name));
        Assert.Equal(report.Comparison.Layers[1].Weight.Quantized.Shares, read.Comparison.Layers[1].Weight.Quantized.Shares);
        Assert.Equal(report.Comparison.Outputs, read.Comparison.Outputs);
        Assert.Equal(report.Sensitivity!.Layers.Select(l => l.OnlyThisQuantized), read.Sensitivity!.Layers.Select(l => l.OnlyThisQuantized));
    }

    [Fact]
    public void Non_finite_numbers_are_named_strings_and_read_back_as_such()
    {
        AnalysisReport report = SmallReport(withSensitivity: false);

        string json = AnalysisJson.Write(report);
        AnalysisReport read = AnalysisJson.Read(json);

        // The first conv sees the same images in both models: an infinite SQNR; without labels top-1 is NaN.
        Assert.Contains("\"sqnrDb\": \"Infinity\"", json, StringComparison.Ordinal);
        Assert.Equal(double.PositiveInfinity, read.Comparison.Layers[0].Input.FloatVsLatent.SqnrDb);
        Assert.Null(read.Sensitivity);
        Assert.Contains("\"top1Agreement\": ", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_a_report_is_an_error_naming_its_source()
    {
        var e = Assert.Throws<ModelAnalysisException>(() => AnalysisJson.Read("{ \"comparison\": 3 }", "r.json"));

        Assert.StartsWith("r.json is not an analysis report", e.Message, StringComparison.Ordinal);
    }
}
