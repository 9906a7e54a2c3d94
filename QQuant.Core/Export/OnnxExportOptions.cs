using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>What <see cref="OnnxExport.ExportOnnx"/> writes.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// The input's shape, batch first (for example <c>[1, 3, 224, 224]</c>); a seeded random batch of it is the
    /// sample input. Ignored when <see cref="SampleInput"/> is set.
    /// </summary>
    public long[]? InputShape { get; init; }

    /// <summary>A real batch to trace the shapes with (kept by the caller); takes precedence over <see cref="InputShape"/>.</summary>
    public Tensor? SampleInput { get; init; }

    /// <summary>The ONNX opset of the default domain: 21 (the default) or later; 21 is the first with 4-bit types.</summary>
    public int Opset { get; init; } = 21;

    /// <summary>How grids narrower than 8 bits are written; <see cref="OnnxQuantFormat.Qcdq"/> by default.</summary>
    public OnnxQuantFormat Format { get; init; } = OnnxQuantFormat.Qcdq;

    /// <summary>True (the default): the batch dimension of the input and output is symbolic (<c>batch</c>).</summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>
    /// False (the default): a weight whose grid has no integer form is written as float weights holding its
    /// quantized values, and the report says so. True: that is an error.
    /// </summary>
    public bool Strict { get; init; }

    /// <summary>
    /// False (the default): a quantized convolution whose output reaches no quantizer (it feeds a residual addition)
    /// keeps a float output, as in training, so ONNX Runtime runs it in float. True: its output gets an 8-bit Q/DQ
    /// whose scale is the largest magnitude of that output on the sample input (pass a representative batch), so it
    /// runs as <c>QLinearConv</c> too; training never saw that rounding, and the report notes each such layer.
    /// </summary>
    public bool QuantizeConvolutionOutputs { get; init; }

    /// <summary>
    /// False (the default): an activation grid whose offset is not a whole number of steps (LSQ+'s learned offset,
    /// DSQ's lower bound, signed DoReFa) is written exactly, <c>Sub → Q → (Clip) → DQ → Add</c>, which ONNX Runtime
    /// runs in float. True: the offset is rounded to an integer zero point, so the layer can run with integer kernels,
    /// and the report gives the shift in steps.
    /// </summary>
    public bool RoundZeroPoints { get; init; }

    /// <summary>The graph's input name; <c>input</c> by default.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>The graph's output name; <c>output</c> by default.</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>Key-value pairs stored in the model's metadata (class names, preprocessing, versions).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The emitters to use; null for <see cref="OnnxEmitterRegistry.CreateDefault"/>.</summary>
    public OnnxEmitterRegistry? Emitters { get; init; }

    /// <summary>
    /// Told of each quantized layer written (stage <c>ONNX export</c>, one unit per quantized layer, its path as the
    /// item; see <see cref="ProgressStep"/>), or null (the default) for no reports. A model without quantized layers
    /// reports nothing. <see cref="BiasAlignment"/>'s export pass with the same options does not report.
    /// </summary>
    public IProgress<ProgressStep>? Progress { get; init; }
}
