using Microsoft.ML.OnnxRuntime;
using QQuant.Export;
using QQuant.Export.Onnx;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Export;

/// <summary>
/// The int32 bias of a convolution that runs as <c>QLinearConv</c>, computed here by hand from the quantizers' steps
/// and the BatchNorm's statistics, and <see cref="BiasAlignment"/>, which gives the model that bias.
/// </summary>
[Collection(QQuant.Tests.Training.GlobalTorchRandom.Name)]
public class IntegerBiasTests
{
    // conv1 (with a bias) → bn1 → relu → conv2: conv2's input quantizer makes conv1 a QLinearConv; conv2's output is float.
    private static Sequential Model(bool affine = true, int inChannels = 3)
    {
        manual_seed(11);
        Sequential model = nn.Sequential(
            ("conv1", nn.Conv2d(inChannels, 4, 3, padding: 1)),
            ("bn1", nn.BatchNorm2d(4, affine: affine)),
            ("relu", nn.ReLU()),
            ("conv2", nn.Conv2d(4, 2, 3, padding: 1)));
        model.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4));
        QuantCalibration.Calibrate(model, [Images(4, inChannels, 8, seed: 2)]);
        var norm = (BatchNorm2d)model.named_children().Single(c => c.name == "bn1").module;
        using (no_grad())
        {
            norm.running_mean!.copy_(tensor(new[] { 0.3f, -0.7f, 1.1f, 0.05f }));
            norm.running_var!.copy_(tensor(new[] { 0.5f, 2.0f, 0.8f, 1.3f }));
            norm.weight?.copy_(tensor(new[] { 0.9f, 1.4f, 0.6f, 1.1f }));
            norm.bias?.copy_(tensor(new[] { 0.2f, -0.1f, 0.45f, 0.33f }));
        }

        model.eval();
        return model;
    }

    private static T Child<T>(Sequential model, string name) => (T)(object)model.named_children().Single(c => c.name == name).module;

    // Each channel's folded bias in float32, its code unit s_x · (s_w / 16) · γ/√(σ² + ε) in float32 (4-bit codes spread
    // ×16 over int8), and its code round_half_even(bias / unit), as the export computes them.
    private static (float[] Bias, float[] Unit, int[] Codes) ByHand(Sequential model)
    {
        var conv1 = Child<QuantizedConv2d>(model, "conv1");
        var conv2 = Child<QuantizedConv2d>(model, "conv2");
        var norm = Child<BatchNorm2d>(model, "bn1");
        float inputStep = ((IExportableQuantizer)conv1.InputQuantizer).ExportGrid(null, out _)!.Scales[0];
        QuantGrid weight = ((IExportableQuantizer)conv1.WeightQuantizer).ExportGrid(conv1.weight, out _)!;
        Assert.NotEqual(inputStep, ((IExportableQuantizer)conv2.InputQuantizer).ExportGrid(null, out _)!.Scales[0]);
        float[] b = conv1.bias!.data<float>().ToArray(), mean = norm.running_mean!.data<float>().ToArray(), variance = norm.running_var!.data<float>().ToArray();
        float[] gamma = norm.weight?.data<float>().ToArray() ?? [1, 1, 1, 1], beta = norm.bias?.data<float>().ToArray() ?? [0, 0, 0, 0];
        var bias = new float[4];
        var unit = new float[4];
        var codes = new int[4];
        for (int c = 0; c < 4; c++)
        {
            double factor = gamma[c] / Math.Sqrt(variance[c] + 1e-5);
            float step = weight.Scales[weight.PerChannel ? c : 0] / 16;
            bias[c] = (float)((b[c] * factor) + (beta[c] - (mean[c] * factor)));
            unit[c] = inputStep * (float)(step * factor);
            codes[c] = (int)Math.Round((double)(bias[c] / unit[c]), MidpointRounding.ToEven);
        }

        return (bias, unit, codes);
    }

    private static float[] RunOnnx(OnnxModel onnx, Tensor x, GraphOptimizationLevel level) =>
        OnnxRuntimeHarness.Run(OnnxModelWriter.ToBytes(onnx), new Dictionary<string, (float[], long[])> { ["input"] = (x.data<float>().ToArray(), x.shape) }, level)["output"].Data;

    [Fact]
    public void A_convolution_that_runs_as_QLinearConv_adds_its_bias_as_int32_codes_of_input_step_times_weight_step()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model();
        (_, float[] unit, int[] codes) = ByHand(model);

        (OnnxModel onnx, OnnxExportReport report) = model.ToOnnx(new OnnxExportOptions { InputShape = [2, 3, 8, 8] });

        OnnxTensor exportedCodes = onnx.Graph.Initializers.Single(t => t.Name == "conv1.bias_codes");
        Assert.Equal(OnnxDataType.Int32, exportedCodes.DataType);
        Assert.Equal(codes, exportedCodes.ToInt32s());
        Assert.Equal(unit, onnx.Graph.Initializers.Single(t => t.Name == "conv1.bias_scale").ToFloats());
        Assert.Contains(onnx.Graph.Nodes, n => n.OpType == "DequantizeLinear" && n.Inputs[0] == "conv1.bias_codes");
        Assert.DoesNotContain(onnx.Graph.Initializers, t => t.Name == "conv1.bias");
        // conv2's output is float, so it is a float convolution whose bias stays float.
        Assert.Contains(onnx.Graph.Initializers, t => t.Name == "conv2.bias" && t.DataType == OnnxDataType.Float);
        Assert.Contains(report.Layers.Single(l => l.Path == "conv1").Notes, n => n.StartsWith("bias: int32 codes", StringComparison.Ordinal));
        Assert.Empty(report.Layers.Single(l => l.Path == "conv2").Notes);
    }

    [Fact]
    public void With_the_int32_bias_in_the_file_onnx_runtime_computes_the_same_with_and_without_its_optimisations()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model();
        Tensor x = Images(4, 3, 8, seed: 5);
        (OnnxModel onnx, _) = model.ToOnnx(new OnnxExportOptions { SampleInput = x });

        float[] plain = RunOnnx(onnx, x, GraphOptimizationLevel.ORT_DISABLE_ALL);
        float[] fused = RunOnnx(onnx, x, GraphOptimizationLevel.ORT_ENABLE_EXTENDED);

        Assert.Contains("QLinearConv", OnnxRuntimeHarness.OptimizedOpTypes(OnnxModelWriter.ToBytes(onnx), GraphOptimizationLevel.ORT_ENABLE_EXTENDED));
        Assert.Equal(plain.Length, fused.Length);
        Assert.All(plain.Zip(fused), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5 * Math.Max(1, Math.Abs(p.First)), $"{p.First} vs {p.Second}"));
    }

    [Fact]
    public void Alignment_moves_the_folded_batch_norms_bias_onto_the_codes_and_the_library_then_computes_what_onnx_runtime_does()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model();
        (float[] bias, float[] unit, int[] codes) = ByHand(model);
        var norm = Child<BatchNorm2d>(model, "bn1");
        float[] beta = norm.bias!.data<float>().ToArray();
        float[] convBias = Child<QuantizedConv2d>(model, "conv1").bias!.data<float>().ToArray();
        Tensor x = Images(4, 3, 8, seed: 5);
        var options = new OnnxExportOptions { SampleInput = x };
        (OnnxModel onnx, _) = model.ToOnnx(options);

        AlignedBias moved = Assert.Single(model.AlignBiasesToIntegerGrid(options));

        Assert.Equal(("conv1", "bn1.bias"), (moved.Convolution, moved.Parameter));
        double[] change = [.. bias.Select((b, c) => (codes[c] * (double)unit[c]) - b)];
        float[] aligned = norm.bias!.data<float>().ToArray();
        for (int c = 0; c < 4; c++)
        {
            Assert.Equal(beta[c] + change[c], aligned[c], 1e-6);
        }

        Assert.Equal(change.Max(Math.Abs), moved.LargestMove, 1e-6);
        Assert.InRange(moved.LargestMoveInCodes, 0, 0.5 + 1e-3);
        Assert.Equal(convBias, Child<QuantizedConv2d>(model, "conv1").bias!.data<float>().ToArray());

        // A second export writes the same codes, now without a note; a second alignment has nothing left to move.
        (OnnxModel again, OnnxExportReport report) = model.ToOnnx(options);
        Assert.Equal(codes, again.Graph.Initializers.Single(t => t.Name == "conv1.bias_codes").ToInt32s());
        Assert.DoesNotContain(report.Layers.Single(l => l.Path == "conv1").Notes, n => n.StartsWith("bias", StringComparison.Ordinal));
        Assert.All(model.AlignBiasesToIntegerGrid(options), a => Assert.True(a.LargestMoveInCodes < 1e-2, $"{a.LargestMoveInCodes}"));

        float[] library = model.call(x).data<float>().ToArray();
        float[] runtime = RunOnnx(onnx, x, GraphOptimizationLevel.ORT_ENABLE_EXTENDED);
        double scale = library.Max(Math.Abs);
        Assert.All(library.Zip(runtime), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5 * scale, $"{p.First} vs {p.Second}"));
    }

    [Fact]
    public void Alignment_is_all_or_nothing_and_names_a_batch_norm_without_a_bias_to_move()
    {
        using var scope = NewDisposeScope();
        Sequential first = Model();
        Sequential model = nn.Sequential(("first", first), ("second", Model(affine: false, inChannels: 2)));
        model.eval();
        float[] norm = Child<BatchNorm2d>(first, "bn1").bias!.data<float>().ToArray();
        float[] conv = Child<QuantizedConv2d>(first, "conv2").bias!.data<float>().ToArray();

        OnnxExportException e = Assert.Throws<OnnxExportException>(
            () => model.AlignBiasesToIntegerGrid(new OnnxExportOptions { InputShape = [1, 3, 8, 8] }));

        Assert.Equal("second.bn1", e.Path);
        Assert.Contains("no bias parameter", e.Message, StringComparison.Ordinal);
        Assert.Equal(norm, Child<BatchNorm2d>(first, "bn1").bias!.data<float>().ToArray());
        Assert.Equal(conv, Child<QuantizedConv2d>(first, "conv2").bias!.data<float>().ToArray());
    }
}

/// <summary>An activation grid offset by a fractional number of steps: written exactly, or rounded on request.</summary>
[Collection(QQuant.Tests.Training.GlobalTorchRandom.Name)]
public class OffsetGridExportTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_fractional_offset_is_subtracted_and_added_back_unless_zero_points_are_rounded(bool round)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        Sequential model = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)));
        model.Quantize(QuantPolicy.For<Conv2d>().Use<LSQPlusConv>(w: 4, a: 4));
        Tensor x = Images(4, 3, 8, seed: 6);
        QuantCalibration.Calibrate(model, [x]);
        var quantizer = (LsqPlusQuantizer)((QuantizedConv2d)model.named_children().Single().module).InputQuantizer;
        using (no_grad())
        {
            quantizer.Offset!.copy_(quantizer.Step * -6.37);
        }

        model.eval();
        (OnnxModel onnx, OnnxExportReport report) = model.ToOnnx(new OnnxExportOptions { SampleInput = x, RoundZeroPoints = round });
        float[] library = model.call(x).data<float>().ToArray();
        float[] runtime = OnnxRuntimeHarness.Run(
            OnnxModelWriter.ToBytes(onnx), new Dictionary<string, (float[], long[])> { ["input"] = (x.data<float>().ToArray(), x.shape) },
            GraphOptimizationLevel.ORT_DISABLE_ALL)["output"].Data;

        string[] notes = [.. report.Layers.Single().Notes];
        double worst = library.Zip(runtime, (a, b) => (double)Math.Abs(a - b)).Max(), scale = library.Max(Math.Abs);
        if (round)
        {
            Assert.DoesNotContain(onnx.Graph.Nodes, n => n.OpType == "Sub");
            Assert.Contains(notes, n => n.Contains("-6.37 steps is rounded to the integer zero point's -6", StringComparison.Ordinal));
            Assert.True(worst > 1e-3 * scale, "a grid moved by 0.37 steps changes the output");
        }
        else
        {
            Assert.Contains(onnx.Graph.Nodes, n => n.OpType == "Sub");
            Assert.Contains(onnx.Graph.Nodes, n => n.OpType == "Add");
            Assert.Empty(notes);
            Assert.True(worst <= 1e-5 * scale, $"largest difference {worst:G4} for outputs up to {scale:G4}");
        }
    }
}
