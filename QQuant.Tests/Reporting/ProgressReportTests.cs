using QQuant.Analysis;
using QQuant.Export;
using QQuant.Quantizers;
using QQuant.Tests.Analysis;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Reporting;

/// <summary>
/// The <see cref="ProgressStep"/> reports of the library's long work: calibration, BatchNorm re-estimation,
/// sensitivity and ONNX export each start at 0, count up by one per unit, and end with <c>Done == Total</c>.
/// </summary>
public sealed class ProgressReportTests
{
    /// <summary>Keeps every report, synchronously (<see cref="Progress{T}"/> would post them to the thread pool).</summary>
    private sealed class Recorder : IProgress<ProgressStep>
    {
        public List<ProgressStep> Steps { get; } = [];

        public void Report(ProgressStep value) => Steps.Add(value);
    }

    private static Sequential QuantizedMlp()
    {
        manual_seed(4);
        Sequential model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3));
        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(w: 4, a: 4));
        return model;
    }

    private static Tensor[] Batches(int count) => [.. Enumerable.Range(0, count).Select(i => randn(5, 4, generator: new Generator((ulong)i + 1)))];

    private static IEnumerable<Tensor> Lazily(Tensor[] batches)
    {
        foreach (Tensor batch in batches)
        {
            yield return batch;
        }
    }

    private static ProgressStep[] Counting(string stage, int total, params string?[] items) =>
        [new(stage, 0, total), .. Enumerable.Range(1, total).Select(i => new ProgressStep(stage, i, total, items.Length == 0 ? null : items[i - 1]))];

    [Fact]
    public void Calibration_reports_each_batch_of_a_list_against_its_count()
    {
        using var scope = NewDisposeScope();
        var recorder = new Recorder();

        QuantCalibration.Calibrate(QuantizedMlp(), Batches(3), progress: recorder);

        Assert.Equal(Counting("calibration", 3), recorder.Steps);
        Assert.True(recorder.Steps[^1].IsLast);
        Assert.DoesNotContain(recorder.Steps[..^1], s => s.IsLast);
    }

    [Fact]
    public void Calibration_of_a_sequence_without_a_count_gives_the_total_in_its_last_report()
    {
        using var scope = NewDisposeScope();
        var recorder = new Recorder();

        QuantCalibration.Calibrate(QuantizedMlp(), Lazily(Batches(2)), progress: recorder);

        Assert.Equal(
            [new("calibration", 0, 0), new("calibration", 1, 0), new("calibration", 2, 0), new ProgressStep("calibration", 2, 2)],
            recorder.Steps);
    }

    [Fact]
    public void Calibration_with_progress_initialises_the_same_state_as_without()
    {
        using var scope = NewDisposeScope();
        Sequential reported = QuantizedMlp(), silent = QuantizedMlp();
        silent.load_state_dict(reported.state_dict());   // the same start, whatever other tests do to the global seed
        Tensor[] batches = Batches(2);

        QuantCalibration.Calibrate(reported, batches, progress: new Recorder());
        QuantCalibration.Calibrate(silent, batches);

        reported.eval();
        silent.eval();
        Assert.Equal(silent.call(batches[0]).data<float>().ToArray(), reported.call(batches[0]).data<float>().ToArray());
    }

    [Fact]
    public void BatchNorm_reestimation_reports_each_batch()
    {
        using var scope = NewDisposeScope();
        var recorder = new Recorder();
        Sequential model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6));

        BatchNormReestimation.Reestimate(model, Batches(2), recorder);

        Assert.Equal(Counting("BatchNorm re-estimation", 2), recorder.Steps);
    }

    [Fact]
    public void Sensitivity_reports_each_layer_in_common_by_name()
    {
        using var scope = NewDisposeScope();
        Tensor x = AnalysisTestModels.Images(1, count: 8);
        (Sequential floatNet, Sequential quantized) = AnalysisTestModels.Pair(5, x);
        var recorder = new Recorder();

        SensitivityResult result = SensitivityAnalysis.Measure(floatNet, quantized, [x], progress: recorder);

        Assert.Equal(2, result.Layers.Count);
        Assert.Equal(Counting("sensitivity", 2, "0", "3"), recorder.Steps);
    }

    [Fact]
    public void Onnx_export_reports_each_quantized_layer_and_bias_alignment_reports_nothing()
    {
        using var scope = NewDisposeScope();
        Tensor x = AnalysisTestModels.Images(1, count: 4);
        (Sequential floatNet, Sequential quantized) = AnalysisTestModels.Pair(5, x);
        var recorder = new Recorder();
        var options = new OnnxExportOptions { SampleInput = x, Progress = recorder };

        (_, OnnxExportReport report) = quantized.ToOnnx(options);
        quantized.AlignBiasesToIntegerGrid(options);

        Assert.Equal(2, report.Layers.Count);
        Assert.Equal(Counting("ONNX export", 2, "0", "3"), recorder.Steps);

        // A float model has no quantized layer to count: no report at all.
        recorder.Steps.Clear();
        floatNet.ToOnnx(options);
        Assert.Empty(recorder.Steps);
    }
}
