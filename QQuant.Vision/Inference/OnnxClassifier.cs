using Microsoft.ML.OnnxRuntime;
using QQuant.Export.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using OrtFloats = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace QQuant.Vision;

/// <summary>
/// An exported classifier run by ONNX Runtime alone (no TorchSharp model is built): logits of preprocessed batches,
/// and, opened by <see cref="ClassifierFactory.OpenOnnx"/>, predictions for image files with the test pipeline and
/// class names the export stored in the model's metadata. <see cref="Logits"/> and <see cref="Predict(IReadOnlyList{string})"/>
/// may be called from several threads at once (an ONNX Runtime session runs concurrent requests).
/// </summary>
/// <remarks>
/// QQuant.Vision references ONNX Runtime's managed API only; the application references a native package
/// (<c>Microsoft.ML.OnnxRuntime</c> for the CPU), as it references a TorchSharp backend.
/// </remarks>
public sealed class OnnxClassifier : IDisposable
{
    /// <summary>The metadata key of the class names (a JSON array of strings).</summary>
    public const string ClassesKey = "qquant.classes";

    /// <summary>The metadata key of the test pipeline (the config's <c>data.test.pipeline</c> as JSON).</summary>
    public const string PipelineKey = "qquant.test_pipeline";

    /// <summary>The metadata key of the input's channel count.</summary>
    public const string InChannelsKey = "qquant.in_channels";

    private readonly InferenceSession _session;
    private readonly string _input;

    /// <summary>Opens the model in <paramref name="bytes"/> (<paramref name="source"/> names it in messages).</summary>
    /// <param name="bytes">A serialised ONNX model with one input (batch first) and one output of logits.</param>
    /// <param name="source">Where the bytes came from, for messages.</param>
    /// <param name="optimization">ONNX Runtime's graph optimisation; EXTENDED (the default) fuses Q/DQ into integer kernels.</param>
    /// <param name="configure">Further session settings (threads, spinning, execution providers), or null.</param>
    /// <exception cref="OnnxFormatException">The bytes are not an ONNX model, or ONNX Runtime cannot load it.</exception>
    public OnnxClassifier(
        byte[] bytes,
        string source = "the ONNX model",
        GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        Action<SessionOptions>? configure = null)
    {
        OnnxModel model;
        try
        {
            model = OnnxModelReader.Read(bytes);
        }
        catch (OnnxFormatException e)
        {
            throw new OnnxFormatException(source, $"{source} is not an ONNX model: {e.Message}", e);
        }

        Metadata = model.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        using var options = new SessionOptions { GraphOptimizationLevel = optimization };
        configure?.Invoke(options);
        try
        {
            _session = new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxFormatException(source, $"ONNX Runtime cannot load {source}: {e.Message}", e);
        }

        _input = _session.InputMetadata.Keys.Single();
    }

    /// <summary>Opens the ONNX model file at <paramref name="path"/>.</summary>
    /// <exception cref="OnnxFormatException">The file is missing, not an ONNX model, or ONNX Runtime cannot load it.</exception>
    public static OnnxClassifier Load(string path, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException(path, $"Cannot read the ONNX model '{path}': {e.Message}", e);
        }

        return new OnnxClassifier(bytes, path, optimization);
    }

    /// <summary>The model's metadata (class names, preprocessing, versions, as the export wrote them).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The class names predictions use (set when opened by <see cref="ClassifierFactory.OpenOnnx"/>).</summary>
    public IReadOnlyList<string> Classes => Preprocessing?.Classes ?? [];

    internal ImageBatches? Preprocessing { get; set; }

    /// <summary>Classifies the image file at <paramref name="imagePath"/>.</summary>
    public Prediction Predict(string imagePath) => Predict([imagePath])[0];

    /// <summary>Classifies image files in one batch, through the test pipeline stored in the model.</summary>
    /// <exception cref="InvalidOperationException">The classifier was not opened with its preprocessing.</exception>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<string> imagePaths)
    {
        ImageBatches batches = Preprocessing
            ?? throw new InvalidOperationException("This OnnxClassifier has no test pipeline; open it with ClassifierFactory.OpenOnnx to classify image files.");
        if (imagePaths.Count == 0)
        {
            return [];
        }

        using Batch batch = batches.Files(imagePaths);
        using var scope = NewDisposeScope();
        return Prediction.FromLogits(Logits(batch.Images), batches.Classes);
    }

    /// <summary>The logits <c>[N, classes]</c> of a preprocessed batch <paramref name="images"/> (float, batch first, any device).</summary>
    public Tensor Logits(Tensor images)
    {
        using Tensor host = images.detach().to(ScalarType.Float32).cpu().contiguous();
        var input = new OrtFloats(host.data<float>().ToArray(), [.. host.shape.Select(d => checked((int)d))]);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = _session.Run([NamedOnnxValue.CreateFromTensor(_input, input)]);
        var output = (OrtFloats)results[0].AsTensor<float>();
        return tensor(output.Buffer.ToArray(), [.. output.Dimensions.ToArray().Select(d => (long)d)]).to(images.device);
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
