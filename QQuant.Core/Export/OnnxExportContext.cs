using QQuant.Export.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>
/// What emitters write into while a model is exported: nodes, initializers, quantized values and the report. An
/// emitter emits its children with <see cref="Emit"/> (which tracks the module path for messages) and the operations
/// between them with <see cref="Node(string, IReadOnlyList{string}, Tensor, OnnxAttribute[])"/>.
/// </summary>
public sealed class OnnxExportContext
{
    private readonly OnnxEmitterRegistry _emitters;
    private readonly List<OnnxLayerExport> _layers = [];
    private readonly Dictionary<string, FoldableConvolution> _foldable = [];
    private readonly int _progressTotal;
    private int _progressDone;

    internal OnnxExportContext(OnnxExportOptions options, OnnxEmitterRegistry emitters, int quantizedLayers = 0)
    {
        Options = options;
        _emitters = emitters;
        _progressTotal = options.Progress is null ? 0 : quantizedLayers;
    }

    /// <summary>The <see cref="OnnxExportOptions.Progress"/> stage.</summary>
    internal const string ProgressStage = "ONNX export";

    /// <summary>The export's options.</summary>
    public OnnxExportOptions Options { get; }

    /// <summary>The path of the module being emitted (empty for the model itself).</summary>
    public string Path { get; private set; } = "";

    internal GraphBuilder Graph { get; } = new();

    internal IReadOnlyList<OnnxLayerExport> Layers => _layers;

    /// <summary>Emits <paramref name="child"/>, called <paramref name="name"/> in the current module, on <paramref name="input"/>.</summary>
    /// <exception cref="OnnxExportException">The child (or a module inside it) has no emitter.</exception>
    public OnnxValue Emit(string name, nn.Module child, OnnxValue input)
    {
        string parent = Path;
        Path = parent.Length == 0 ? name : $"{parent}.{name}";
        try
        {
            return EmitHere(child, input);
        }
        finally
        {
            Path = parent;
        }
    }

    /// <summary>
    /// Adds a node of <paramref name="opType"/> on <paramref name="inputs"/> (value or initializer names) whose output
    /// the model computes as <paramref name="sample"/>.
    /// </summary>
    public OnnxValue Node(string opType, IReadOnlyList<string> inputs, Tensor sample, params OnnxAttribute[] attributes) =>
        new(Graph.Add(opType, Hint(), inputs, attributes), sample);

    /// <summary>A node of <paramref name="opType"/> on one value.</summary>
    public OnnxValue Node(string opType, OnnxValue input, Tensor sample, params OnnxAttribute[] attributes) =>
        Node(opType, [input.Name], sample, attributes);

    /// <summary>A float initializer (named after the current path and <paramref name="suffix"/>); returns its name.</summary>
    public string Floats(string suffix, ReadOnlySpan<float> values, params long[] dims)
    {
        float[] copy = values.ToArray();
        return Graph.Initializer($"{Hint()}.{suffix}", name => OnnxTensor.Floats(name, dims, copy));
    }

    /// <summary>A float initializer holding <paramref name="tensor"/> (any device or dtype); returns its name.</summary>
    public string Floats(string suffix, Tensor tensor) => Floats(suffix, HostFloats(tensor), tensor.shape);

    /// <summary>A 1-D int64 initializer (shapes, pads, axes); returns its name.</summary>
    public string Int64s(string suffix, params long[] values) =>
        Graph.Initializer($"{Hint()}.{suffix}", name => OnnxTensor.Int64(name, [values.Length], values));

    /// <summary>The fake quantization of <paramref name="input"/> by <paramref name="quantizer"/>, as Q(C)DQ nodes.</summary>
    /// <param name="quantizer">An activation quantizer (an <see cref="IdentityQuantizer"/> or 32 bits writes nothing).</param>
    /// <param name="input">The value it quantizes.</param>
    /// <param name="description">How it was written, for the report.</param>
    /// <param name="approximation">What ONNX computes differently from training, or null when it is exact.</param>
    /// <exception cref="OnnxExportException">The quantizer's grid has no integer form.</exception>
    public OnnxValue Quantize(IQuantizer quantizer, OnnxValue input, out string description, out string? approximation)
    {
        approximation = null;
        if (quantizer.Bits == 32)
        {
            description = "float";
            return input;
        }

        QuantGrid grid = GridOf(quantizer, weight: null, Path + ".input_quantizer");
        Tensor sample = quantizer.call(input.Sample);
        if (grid.Offset is { } exact && !Options.RoundZeroPoints)
        {
            approximation = exact.Approximation;
            return new OnnxValue(QdqEmission.OffsetActivation(this, grid.Scales[0], exact, input.Name, out description), sample);
        }

        approximation = grid.Approximation;
        return new OnnxValue(QdqEmission.Activation(this, grid, input.Name, out description), sample);
    }

    /// <summary>Adds a row to the export report (and tells <see cref="OnnxExportOptions.Progress"/> that the layer is written).</summary>
    public void Report(OnnxLayerExport layer)
    {
        _layers.Add(layer);
        if (_progressDone < _progressTotal)
        {
            _progressDone++;
            Options.Progress!.Report(new ProgressStep(ProgressStage, _progressDone, _progressTotal, layer.Path));
        }
    }

    /// <summary>Reports the start of the export's progress: none when no progress is asked for or the model has no quantized layer.</summary>
    internal void StartProgress()
    {
        if (_progressTotal > 0)
        {
            Options.Progress!.Report(new ProgressStep(ProgressStage, 0, _progressTotal));
        }
    }

    /// <summary>Ends the export's progress, if a quantized layer was written by an emitter that did not report it.</summary>
    internal void EndProgress()
    {
        if (_progressDone < _progressTotal)
        {
            _progressDone = _progressTotal;
            Options.Progress!.Report(new ProgressStep(ProgressStage, _progressTotal, _progressTotal));
        }
    }

    /// <summary>The values of <paramref name="tensor"/> as float32 on the host (export reads state there).</summary>
    public static float[] HostFloats(Tensor tensor)
    {
        using Tensor values = tensor.detach().to(ScalarType.Float32).cpu().contiguous();
        return values.data<float>().ToArray();
    }

    internal OnnxValue EmitRoot(nn.Module model, OnnxValue input) => EmitHere(model, input);

    internal static QuantGrid GridOf(IQuantizer quantizer, Tensor? weight, string path)
    {
        if (quantizer is not IExportableQuantizer exportable)
        {
            throw new OnnxExportException(
                path, $"'{path}' ({quantizer.GetType().Name}) has no ONNX export of its grid yet (it does not implement IExportableQuantizer).");
        }

        return exportable.ExportGrid(weight, out string? reason)
               ?? throw new OnnxExportException(path, $"'{path}' ({quantizer.GetType().Name}) has no integer grid: {reason}.");
    }

    /// <summary>Remembers that <paramref name="output"/> is a quantized convolution whose scales and bias can absorb a BatchNorm.</summary>
    internal void MarkFoldable(string output, FoldableConvolution convolution) => _foldable[output] = convolution;

    internal FoldableConvolution? Foldable(string value) =>
        _foldable.TryGetValue(value, out FoldableConvolution? found) && !Graph.Readers(value).Any() ? found : null;

    /// <summary>Records that the BatchNorm being emitted folded into <paramref name="convolution"/>, and the value it gave its output.</summary>
    internal void Folded(FoldableConvolution convolution, Tensor sample) =>
        _foldable[convolution.Output] = convolution with { Sample = sample, Norm = Path };

    /// <summary>The convolutions whose bias was written as int32 codes, in emission order.</summary>
    internal List<IntegerBiasLayer> IntegerBiases { get; } = [];

    /// <summary>Every quantized convolution with integer weights, by output value, with its output on the sample input.</summary>
    internal IEnumerable<FoldableConvolution> Convolutions => _foldable.Values;

    internal void AmendReport(string path, Func<OnnxLayerExport, OnnxLayerExport> change)
    {
        int index = _layers.FindIndex(l => l.Path == path);
        if (index >= 0)
        {
            _layers[index] = change(_layers[index]);
        }
    }

    private OnnxValue EmitHere(nn.Module module, OnnxValue input)
    {
        if (module is IOnnxExportable exportable)
        {
            return exportable.EmitOnnx(this, input);
        }

        IOnnxEmitter? emitter = _emitters.Find(module.GetType());
        if (emitter is null)
        {
            string where = Path.Length == 0 ? "The model" : $"'{Path}'";
            throw new OnnxExportException(
                Path,
                $"{where} is a {module.GetType().FullName}, which has no ONNX emitter: implement IOnnxExportable on it or "
                + "register an IOnnxEmitter for its type (services.AddQQuant().AddOnnxEmitter(...), or OnnxExportOptions.Emitters).");
        }

        return emitter.Emit(this, module, input);
    }

    private string Hint() => Path.Length == 0 ? "model" : Path;
}
