using QQuant.Export.Onnx;

namespace QQuant.Tests.Export;

/// <summary>
/// A second opinion on the written files from the reference implementation, Debian's python3-onnx (onnx 1.12). It knows
/// IR version 8 and operator sets up to 17 and refuses IR version 10 files outright ("ir_version is higher than the
/// checker's"), so the checker runs on the same graphs written for operator set 17; the operator set 21 files are read
/// by its protobuf parser and their tensors compared, value for value (floats by their bits), with what was written.
/// </summary>
public sealed class OnnxCheckerTests
{
    private const string CheckScript = """
        import sys, onnx
        for path in sys.argv[1:]:
            onnx.checker.check_model(onnx.load(path), full_check=True)
            print("ok", path)
        """;

    public static TheoryData<string> Models => ["float CNN", "8-bit", "8-bit int8", "4-bit QCDQ"];

    private static OnnxModel Model(string name, int opset, long irVersion) => name == "float CNN"
        ? new FloatCnnCase(seed: 7).Model(opset, irVersion)
        : OnnxRuntimeTests.Case(name).Model(opset, irVersion);

    [Theory]
    [MemberData(nameof(Models))]
    public void The_ONNX_checker_accepts_the_model_with_full_checks_at_operator_set_17(string name)
    {
        using var folder = new TemporaryFolder("qquant-onnx-check");
        string path = Path.Combine(folder.Path, "model.onnx");
        OnnxModelWriter.Save(Model(name, opset: 17, irVersion: 8), path);

        Assert.Equal($"ok {path}", PythonOnnx.Run(CheckScript, path).Trim());
    }

    [Fact]
    public void The_ONNX_checker_refuses_a_broken_model_so_its_approval_means_something()
    {
        using var folder = new TemporaryFolder("qquant-onnx-check");
        OnnxModel model = Model("8-bit", opset: 17, irVersion: 8);
        model.Graph.Nodes.Add(new OnnxNode("Relu", ["nowhere"], ["y2"]));
        model.Graph.Outputs.Add(new OnnxValueInfo("y2", OnnxDataType.Float, ["n"]));
        string path = Path.Combine(folder.Path, "broken.onnx");
        OnnxModelWriter.Save(model, path);
        PythonOnnx.Run("import onnx");

        (int exitCode, _, string error) = PythonOnnx.Execute(CheckScript, path);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("nowhere", error);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_reference_parser_reads_the_operator_set_21_file_as_written(string name)
    {
        using var folder = new TemporaryFolder("qquant-onnx-check");
        OnnxModel model = Model(name, opset: 21, irVersion: OnnxModel.DefaultIrVersion);
        string path = Path.Combine(folder.Path, "model.onnx");
        OnnxModelWriter.Save(model, path);

        string output = PythonOnnx.Run("""
            import sys, onnx
            from onnx import numpy_helper
            m = onnx.load(sys.argv[1])
            print(m.ir_version, " ".join(f"{o.domain}:{o.version}" for o in m.opset_import))
            print(" ".join(n.op_type for n in m.graph.node))
            for t in m.graph.initializer:
                a = numpy_helper.to_array(t)
                values = a.view("<i4") if t.data_type == onnx.TensorProto.FLOAT else a
                print(t.name, onnx.TensorProto.DataType.Name(t.data_type), list(t.dims), " ".join(str(int(v)) for v in values.flatten()))
            """, path);

        var expected = new List<string>
        {
            $"{OnnxModel.DefaultIrVersion} :21",
            string.Join(" ", model.Graph.Nodes.Select(n => n.OpType)),
        };
        foreach (OnnxTensor tensor in model.Graph.Initializers)
        {
            IEnumerable<long> values = tensor.DataType == OnnxDataType.Float
                ? tensor.ToFloats().Select(v => (long)BitConverter.SingleToInt32Bits(v))
                : tensor.ToInt64s();
            string type = tensor.DataType.ToString().ToUpperInvariant();
            expected.Add($"{tensor.Name} {type} [{string.Join(", ", tensor.Dims)}] {string.Join(" ", values)}");
        }

        Assert.Equal(expected, output.TrimEnd().Split('\n'));
    }
}
