using QQuant.Analysis;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Analysis;

public sealed class AnalysisJsonTests
{
    internal static AnalysisReport SmallReport(bool withSensitivity = true)
    {
        using Tensor x = AnalysisTestModels.Images(11, count: 4);
        (Sequential floatNet, Sequential quantized) = AnalysisTestModels.Pair(11, x);
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
    public void The_json_has_the_keys_the_readme_documents()
    {
        using var document = System.Text.Json.JsonDocument.Parse(AnalysisJson.Write(SmallReport()));
        System.Text.Json.JsonElement root = document.RootElement;
        static string[] Keys(System.Text.Json.JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];

        Assert.Equal(["qquantVersion", "created", "floatModel", "quantizedModel", "inputs", "comparison", "sensitivity"], Keys(root));
        System.Text.Json.JsonElement comparison = root.GetProperty("comparison");
        Assert.Equal(["layers", "outputs", "size"], Keys(comparison));
        System.Text.Json.JsonElement layer = comparison.GetProperty("layers")[0];
        Assert.Equal(["name", "floatType", "quantizedType", "weightBits", "inputBits", "weight", "input", "quantizerState"], Keys(layer));
        Assert.Equal(["float", "latent", "quantized", "floatVsLatent", "latentVsQuantized", "clippedShare"], Keys(layer.GetProperty("weight")));
        Assert.Equal(["min", "max", "shares"], Keys(layer.GetProperty("weight").GetProperty("float")));
        Assert.Equal(["cosine", "pearson", "klBits", "sqnrDb", "mse"], Keys(layer.GetProperty("input").GetProperty("latentVsQuantized")));
        Assert.Equal(["samples", "top1Agreement", "softmaxKlBits"], Keys(comparison.GetProperty("outputs")));
        Assert.Equal(["float32Bytes", "quantizedBytes", "compressionRatio"], Keys(comparison.GetProperty("size")));
        System.Text.Json.JsonElement sensitivity = root.GetProperty("sensitivity");
        Assert.Equal(["float", "quantized", "layers"], Keys(sensitivity));
        Assert.Equal(["name", "onlyThisQuantized", "allButThisQuantized"], Keys(sensitivity.GetProperty("layers")[0]));
        Assert.Equal(["top1", "klBits"], Keys(sensitivity.GetProperty("float")));
        Assert.Equal("1.2.3", root.GetProperty("qquantVersion").GetString());
    }

    [Fact]
    public void Text_that_is_not_a_report_is_an_error_naming_its_source()
    {
        var e = Assert.Throws<ModelAnalysisException>(() => AnalysisJson.Read("{ \"comparison\": 3 }", "r.json"));

        Assert.StartsWith("r.json is not an analysis report", e.Message, StringComparison.Ordinal);
    }
}
