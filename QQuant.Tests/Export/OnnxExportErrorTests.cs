using Microsoft.ML.OnnxRuntime;
using QQuant.Export;
using QQuant.Export.Onnx;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Export;

/// <summary>
/// What the export does with a module it has no emitter for, a user's emitter or self-exporting module, an
/// uninitialised quantizer, an unwritable file and invalid options.
/// </summary>
public class OnnxExportErrorTests
{
    /// <summary>A user's module: y = 2x + 0.5.</summary>
    internal sealed class Affine : nn.Module<Tensor, Tensor>
    {
        public Affine() : base(nameof(Affine))
        {
        }

        public override Tensor forward(Tensor input) => input * 2 + 0.5;
    }

    /// <summary>The same arithmetic, exporting itself.</summary>
    internal sealed class SelfExportingAffine : nn.Module<Tensor, Tensor>, IOnnxExportable
    {
        public SelfExportingAffine() : base(nameof(SelfExportingAffine))
        {
        }

        public override Tensor forward(Tensor input) => input * 2 + 0.5;

        public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input) => AffineOnnx.Emit(context, input, call(input.Sample));
    }

    private sealed class AffineEmitter : OnnxEmitter<Affine>
    {
        protected override OnnxValue Emit(OnnxExportContext context, Affine module, OnnxValue input) =>
            AffineOnnx.Emit(context, input, module.call(input.Sample));
    }

    private static class AffineOnnx
    {
        public static OnnxValue Emit(OnnxExportContext context, OnnxValue input, Tensor sample)
        {
            OnnxValue doubled = context.Node("Mul", [input.Name, context.Floats("two", [2f])], sample);
            return context.Node("Add", [doubled.Name, context.Floats("half", [0.5f])], sample);
        }
    }

    private static Sequential Model(nn.Module<Tensor, Tensor> custom)
    {
        using var generator = new Generator(5);
        Sequential model = nn.Sequential(("fc", nn.Linear(4, 3)), ("scale", custom), ("act", nn.ReLU()));
        foreach (Parameter p in model.parameters())
        {
            using var noGrad = no_grad();
            p.copy_(randn(p.shape, generator: generator));
        }

        return model;
    }

    private static Tensor Input() => randn([5, 4], generator: new Generator(9));

    private static void AssertRunsLikeTheLibrary(Sequential model, OnnxModel onnx)
    {
        Tensor x = Input();
        model.eval();
        float[] expected = model.call(x).data<float>().ToArray();
        float[] actual = OnnxRuntimeHarness.Run(OnnxModelWriter.ToBytes(onnx),
            new Dictionary<string, (float[], long[])> { ["input"] = (x.data<float>().ToArray(), x.shape) },
            GraphOptimizationLevel.ORT_DISABLE_ALL)["output"].Data;
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.Any(v => v != 0), "the ReLU lets something through");
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, 1e-5));
    }

    [Fact]
    public void A_module_without_an_emitter_is_named_with_how_to_register_one()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(new Affine());

        var error = Assert.Throws<OnnxExportException>(() => model.ToOnnx(new OnnxExportOptions { InputShape = [2, 4] }));

        Assert.Equal("scale", error.Path);
        Assert.Contains("'scale'", error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Affine).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains("IOnnxExportable", error.Message, StringComparison.Ordinal);
        Assert.Contains("OnnxExportOptions.Emitters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registered_emitter_exports_the_module_and_ort_gives_the_library_output()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(new Affine());
        OnnxEmitterRegistry emitters = OnnxEmitterRegistry.CreateDefault().Add(new AffineEmitter());

        (OnnxModel onnx, _) = model.ToOnnx(new OnnxExportOptions { InputShape = [2, 4], Emitters = emitters });

        Assert.Contains(onnx.Graph.Nodes, n => n.OpType == "Mul");
        Assert.Contains(onnx.Graph.Nodes, n => n.OpType == "Gemm" || n.OpType == "MatMul");
        AssertRunsLikeTheLibrary(model, onnx);
        Assert.Throws<OnnxExportException>(() => model.ToOnnx(new OnnxExportOptions { InputShape = [2, 4], Emitters = new OnnxEmitterRegistry().Add(new AffineEmitter()) }));
    }

    [Fact]
    public void A_module_implementing_IOnnxExportable_exports_itself()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(new SelfExportingAffine());

        (OnnxModel onnx, _) = model.ToOnnx(new OnnxExportOptions { InputShape = [2, 4] });

        Assert.Contains(onnx.Graph.Nodes, n => n.OpType == "Add");
        AssertRunsLikeTheLibrary(model, onnx);
    }

    [Fact]
    public void An_uninitialised_quantizer_fails_the_export_naming_its_path()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("fc", nn.Linear(4, 3)), ("act", nn.ReLU()), ("out", nn.Linear(3, 2)));
        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));

        var error = Assert.Throws<QuantizerStateException>(() => model.ToOnnx(new OnnxExportOptions { InputShape = [2, 4] }));

        Assert.StartsWith("fc.", error.Location, StringComparison.Ordinal);
        Assert.EndsWith("_quantizer", error.Location, StringComparison.Ordinal);
        Assert.Contains($"'{error.Location}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unwritable_path_throws_naming_the_file_and_leaves_nothing()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("onnx-unwritable");
        string file = folder.Write("plain.txt", [1, 2, 3]);
        Sequential model = Model(new SelfExportingAffine());
        string target = Path.Combine(file, "model.onnx");

        var error = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(target, new OnnxExportOptions { InputShape = [2, 4] }));

        Assert.Equal(target, error.Path);
        Assert.Contains(target, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));

        Assert.Equal([file], Directory.GetFileSystemEntries(folder.Path));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(file));
    }

    [Fact]
    public void ExportOnnx_writes_the_file_it_reports_creating_missing_folders_as_AtomicFile_does()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("onnx-written");
        string target = Path.Combine(folder.Path, "missing", "deeper", "model.onnx");
        Sequential model = Model(new SelfExportingAffine());

        OnnxExportReport report = model.ExportOnnx(target, new OnnxExportOptions { InputShape = [2, 4] });

        Assert.Equal(target, report.Path);
        Assert.Equal(new FileInfo(target).Length, report.Bytes);
        Assert.Equal([target], Directory.GetFiles(folder.Path, "*", SearchOption.AllDirectories));
        AssertRunsLikeTheLibrary(model, OnnxModelReader.Load(target));
    }

    [Fact]
    public void Options_need_a_shape_or_sample_and_opset_21()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("onnx-options");
        Sequential model = Model(new SelfExportingAffine());
        string target = Path.Combine(folder.Path, "model.onnx");

        var noShape = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(target, new OnnxExportOptions()));
        Assert.Contains("InputShape", noShape.Message, StringComparison.Ordinal);
        var badShape = Assert.Throws<OnnxExportException>(() => model.ToOnnx(new OnnxExportOptions { InputShape = [2, 0] }));
        Assert.Contains("positive", badShape.Message, StringComparison.Ordinal);
        var oldOpset = Assert.Throws<OnnxExportException>(() => model.ExportOnnx(target, new OnnxExportOptions { InputShape = [2, 4], Opset = 20 }));
        Assert.Contains("Opset 20", oldOpset.Message, StringComparison.Ordinal);
        Assert.Contains("21", oldOpset.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));

        (OnnxModel ok, _) = model.ToOnnx(new OnnxExportOptions { InputShape = [2, 4], Opset = 22 });
        Assert.Equal(22, ok.OpsetImports.Single().Version);
    }
}
