using QQuant.Export.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>
/// Writes a TorchSharp model, float or quantized, as an ONNX model: quantized layers as <c>QuantizeLinear</c> /
/// <c>DequantizeLinear</c> around float operations (QDQ), which ONNX Runtime runs with integer kernels.
/// </summary>
/// <remarks>
/// TorchSharp has no tracer, so every module is written by an emitter: the module itself
/// (<see cref="IOnnxExportable"/>) or one registered for its type (<see cref="OnnxEmitterRegistry"/>). The model runs
/// on a sample input in evaluation mode alongside, so every value has its shape; the model's training mode is
/// restored afterwards. Integer weights are computed with each quantizer's training formula and scales are the exact
/// float32 values training divides by; a BatchNorm after a quantized convolution is folded into its per-channel scale
/// and bias. Whatever ONNX computes differently is listed in the report.
/// </remarks>
public static class OnnxExport
{
    /// <summary>Exports <paramref name="model"/> to <paramref name="path"/> (written atomically) and returns the report.</summary>
    /// <exception cref="OnnxExportException">A module without emitter, a grid with no integer form, bad options, or a path that cannot be written.</exception>
    public static OnnxExportReport ExportOnnx(this nn.Module<Tensor, Tensor> model, string path, OnnxExportOptions options)
    {
        (OnnxModel onnx, OnnxExportContext context) = Build(model, options);
        byte[] bytes = OnnxModelWriter.ToBytes(onnx);
        try
        {
            AtomicFile.Write(path, stream => stream.Write(bytes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new OnnxExportException(path, $"Cannot write the ONNX model to '{path}': {e.Message}");
        }

        return new OnnxExportReport(path, bytes.Length, options.Opset, options.Format, onnx.Graph.Nodes.Count, context.Layers);
    }

    /// <summary>Builds the ONNX model of <paramref name="model"/> in memory, with the report (whose path is null).</summary>
    /// <exception cref="OnnxExportException">A module without emitter, a grid with no integer form, or bad options.</exception>
    public static (OnnxModel Model, OnnxExportReport Report) ToOnnx(this nn.Module<Tensor, Tensor> model, OnnxExportOptions options)
    {
        (OnnxModel onnx, OnnxExportContext context) = Build(model, options);
        int bytes = OnnxModelWriter.ToBytes(onnx).Length;
        return (onnx, new OnnxExportReport(null, bytes, options.Opset, options.Format, onnx.Graph.Nodes.Count, context.Layers));
    }

    /// <summary>The convolutions whose bias an export of <paramref name="model"/> with <paramref name="options"/> writes as int32 codes.</summary>
    internal static IReadOnlyList<IntegerBiasLayer> IntegerBiases(nn.Module<Tensor, Tensor> model, OnnxExportOptions options) =>
        Build(model, options with { Progress = null }).Context.IntegerBiases;

    private static (OnnxModel Model, OnnxExportContext Context) Build(nn.Module<Tensor, Tensor> model, OnnxExportOptions options)
    {
        Validate(options);
        List<(nn.Module Module, bool Training)> modes =
            [.. model.modules().Prepend(model).Distinct(ReferenceEqualityComparer.Instance).Cast<nn.Module>().Select(m => (m, m.training))];
        int quantizedLayers = modes.Count(m => m.Module is IQuantizedLayer);
        try
        {
            model.eval();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            Tensor sample = options.SampleInput?.alias() ?? SeededSample(options.InputShape!, model);
            var context = new OnnxExportContext(options, options.Emitters ?? OnnxEmitterRegistry.CreateDefault(), quantizedLayers);
            context.Graph.Reserve(options.InputName);
            context.Graph.Reserve(options.OutputName);
            context.StartProgress();
            OnnxValue output = context.EmitRoot(model, new OnnxValue(options.InputName, sample));
            context.EndProgress();
            if (options.QuantizeConvolutionOutputs)
            {
                OutputQuantization.Apply(context);
            }

            IntegerBias.Apply(context);

            context.Graph.AddNamed("Identity", options.OutputName, [output.Name], [], "");
            OnnxGraph graph = context.Graph.Build(
                model.GetType().Name,
                Describe(options.InputName, sample, options.DynamicBatch),
                Describe(options.OutputName, output.Sample, options.DynamicBatch));
            var onnx = new OnnxModel(graph) { ProducerName = "QQuant", ProducerVersion = Checkpoint.CurrentQQuantVersion };
            onnx.OpsetImports.Add(new OnnxOpsetImport("", options.Opset));
            foreach ((string key, string value) in options.Metadata ?? new Dictionary<string, string>())
            {
                onnx.MetadataProps.Add(new(key, value));
            }

            return (onnx, context);
        }
        finally
        {
            foreach ((nn.Module module, bool training) in modes)
            {
                module.train(training);
            }
        }
    }

    private static void Validate(OnnxExportOptions options)
    {
        if (options.SampleInput is null && (options.InputShape is not { Length: > 0 } shape || shape.Any(d => d <= 0)))
        {
            throw new OnnxExportException(
                "", "The export needs OnnxExportOptions.SampleInput or an InputShape of positive sizes, batch first (for example [1, 3, 224, 224]).");
        }

        if (options.InputName == options.OutputName || options.InputName.Length == 0 || options.OutputName.Length == 0)
        {
            throw new OnnxExportException("", $"The input and output need two different, non-empty names (input '{options.InputName}', output '{options.OutputName}').");
        }

        if (options.Opset < 21)
        {
            throw new OnnxExportException("", $"Opset {options.Opset} is too old: the export writes opset 21 or later (per-channel and 4-bit Q/DQ).");
        }
    }

    private static Tensor SeededSample(long[] shape, nn.Module model)
    {
        Device device = model.parameters().FirstOrDefault()?.device ?? CPU;
        using var generator = new Generator(20_191_024, device);
        return randn(shape, ScalarType.Float32, device, generator: generator);
    }

    private static OnnxValueInfo Describe(string name, Tensor sample, bool dynamicBatch) =>
        new(name, OnnxDataType.Float, [.. sample.shape.Select((size, d) => d == 0 && dynamicBatch ? OnnxDimension.Named("batch") : OnnxDimension.Of(size))]);
}
