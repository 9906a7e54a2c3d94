using QQuant.Export.Onnx;
using static QQuant.Tests.Export.ProtoBytes;

namespace QQuant.Tests.Export;

/// <summary>The ONNX object model's protobuf writer and reader: round trips, hand-made encodings and malformed input.</summary>
public sealed class OnnxModelFormatTests
{
    /// <summary>A model with every attribute kind, every tensor factory, symbolic and unknown dimensions and metadata.</summary>
    private static OnnxModel EveryKind()
    {
        var graph = new OnnxGraph("every kind") { DocString = "all the fields" };
        graph.Initializers.Add(OnnxTensor.Floats("f", [2, 2], [1.5f, -0f, float.NegativeInfinity, 3e-39f]));
        graph.Initializers.Add(OnnxTensor.Int8("i8", [3], [-128, 0, 127]));
        graph.Initializers.Add(OnnxTensor.UInt8("u8", [], [255]));
        graph.Initializers.Add(OnnxTensor.Int32("i32", [2], [int.MinValue, int.MaxValue]));
        graph.Initializers.Add(OnnxTensor.Int64("i64", [1, 2], [long.MinValue, -1]));
        graph.Initializers.Add(OnnxTensor.Int4("i4", [5], [-8, 7, 0, -1, 3]));
        graph.Initializers.Add(OnnxTensor.UInt4("u4", [3, 1], [1, 15, 4]));
        graph.Initializers.Add(OnnxTensor.Floats("empty", [0, 3], []));

        var conv = new OnnxNode("Conv", ["x", "w", ""], ["y"], name: "conv 1");
        conv.Attributes.Add(OnnxAttribute.Float("alpha", -0.125f));
        conv.Attributes.Add(OnnxAttribute.Int("axis", -1));
        conv.Attributes.Add(OnnxAttribute.String("auto_pad", "NOTSET ünïcode"));
        conv.Attributes.Add(OnnxAttribute.Tensor("value", OnnxTensor.Int4("", [2], [-3, 5])));
        conv.Attributes.Add(OnnxAttribute.Floats("scales", 1.5f, float.MaxValue, -2f));
        conv.Attributes.Add(OnnxAttribute.Ints("pads", 1, -2, long.MaxValue, 0));
        conv.Attributes.Add(OnnxAttribute.Ints("empty"));
        graph.Nodes.Add(conv);
        graph.Nodes.Add(new OnnxNode("QLinearConv", ["y"], ["z", "z2"], domain: "com.microsoft"));

        graph.Inputs.Add(new OnnxValueInfo("x", OnnxDataType.Float, ["batch", 3, OnnxDimension.Unknown, 8]));
        graph.Outputs.Add(new OnnxValueInfo("z", OnnxDataType.UInt8, shape: null));
        graph.Outputs.Add(new OnnxValueInfo("z2", OnnxDataType.Int4, []));
        graph.ValueInfos.Add(new OnnxValueInfo("y", OnnxDataType.Undefined, shape: null));
        graph.ValueInfos.Add(new OnnxValueInfo("w", OnnxDataType.Double, [0L]));

        var model = new OnnxModel(graph) { ProducerName = "QQuant", ProducerVersion = "0.1.0", DocString = "a test" };
        model.OpsetImports.Add(new OnnxOpsetImport("", 21));
        model.OpsetImports.Add(new OnnxOpsetImport("com.microsoft", 1));
        model.MetadataProps.Add(new("zeta", "last key first"));
        model.MetadataProps.Add(new("alpha", ""));
        model.MetadataProps.Add(new("classes", "[\"T-shirt\", \"Hosenträger\"]"));
        return model;
    }

    /// <summary>The smallest model the reader accepts: IR version, a one-node graph and one operator set.</summary>
    private static OnnxModel Minimal()
    {
        var graph = new OnnxGraph("g");
        graph.Nodes.Add(new OnnxNode("Relu", ["x"], ["y"]));
        graph.Inputs.Add(new OnnxValueInfo("x", OnnxDataType.Float, [2]));
        graph.Outputs.Add(new OnnxValueInfo("y", OnnxDataType.Float, [2]));
        var model = new OnnxModel(graph);
        model.OpsetImports.Add(new OnnxOpsetImport("", 21));
        return model;
    }

    [Fact]
    public void Every_field_survives_a_round_trip_and_is_written_again_byte_for_byte()
    {
        OnnxModel model = EveryKind();
        byte[] bytes = OnnxModelWriter.ToBytes(model);

        OnnxModel read = OnnxModelReader.Read(bytes);

        Assert.Equal(OnnxModelText.Describe(model), OnnxModelText.Describe(read));
        Assert.Equal(bytes, OnnxModelWriter.ToBytes(read));
        Assert.Equal(["zeta", "alpha", "classes"], read.MetadataProps.Select(p => p.Key));
        Assert.Equal(OnnxModel.DefaultIrVersion, read.IrVersion);
        Assert.Equal(OnnxAttributeType.Ints, read.Graph.Nodes[0].Attribute("empty")!.Type);
        Assert.Equal("batch", read.Graph.Inputs[0].Shape![0].Symbol);
        Assert.Null(read.Graph.Inputs[0].Shape![2].Value);
    }

    [Fact]
    public void Writing_to_a_stream_and_saving_give_the_same_bytes_and_leave_no_temporary_file()
    {
        using var folder = new TemporaryFolder("qquant-onnx");
        OnnxModel model = EveryKind();
        string path = Path.Combine(folder.Path, "model.onnx");
        using var stream = new MemoryStream();

        OnnxModelWriter.Write(model, stream);
        OnnxModelWriter.Save(model, path);

        Assert.Equal(OnnxModelWriter.ToBytes(model), stream.ToArray());
        Assert.Equal(stream.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        Assert.Equal(OnnxModelText.Describe(model), OnnxModelText.Describe(OnnxModelReader.Load(path)));
    }

    [Fact]
    public void Tensors_store_little_endian_bytes_and_4_bit_values_two_per_byte_low_nibble_first()
    {
        Assert.Equal([0x78, 0xF0, 0x03], OnnxTensor.Int4("a", [5], [-8, 7, 0, -1, 3]).RawData.ToArray());
        Assert.Equal([0xF1, 0x04], OnnxTensor.UInt4("a", [3], [1, 15, 4]).RawData.ToArray());
        Assert.Equal([0x00, 0x00, 0xC0, 0xBF], OnnxTensor.Floats("a", [], [-1.5f]).RawData.ToArray());
        Assert.Equal([0xFE, 0xFF, 0xFF, 0xFF], OnnxTensor.Int32("a", [1], [-2]).RawData.ToArray());
        Assert.Equal([0x80, 0x7F], OnnxTensor.Int8("a", [2], [-128, 127]).RawData.ToArray());

        Assert.Equal([-8, 7, 0, -1, 3], OnnxTensor.Int4("a", [5], [-8, 7, 0, -1, 3]).ToInt32s());
        Assert.Equal([1L, 15, 4], OnnxTensor.UInt4("a", [3], [1, 15, 4]).ToInt64s());
        Assert.Equal([long.MinValue, 5], OnnxTensor.Int64("a", [2], [long.MinValue, 5]).ToInt64s());
        Assert.Equal([255, 0], OnnxTensor.UInt8("a", [2], [255, 0]).ToInt32s());
        Assert.Equal([0.25f, -3f], OnnxTensor.Floats("a", [2], [0.25f, -3f]).ToFloats());
        Assert.Throws<InvalidOperationException>(() => OnnxTensor.Floats("a", [1], [1f]).ToInt32s());
        Assert.Throws<InvalidOperationException>(() => OnnxTensor.Int8("a", [1], [1]).ToFloats());
        Assert.Throws<OverflowException>(() => OnnxTensor.Int64("a", [1], [1L << 40]).ToInt32s());
    }

    [Fact]
    public void Tensors_whose_values_do_not_fit_their_shape_or_type_are_refused()
    {
        var count = Assert.Throws<ArgumentException>(() => OnnxTensor.Floats("w", [2, 3], [1f, 2f]));
        Assert.Contains("'w'", count.Message);
        Assert.Contains("[2, 3]", count.Message);
        Assert.Throws<ArgumentException>(() => OnnxTensor.Int8("w", [-1], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxTensor.Int4("w", [2], [0, 8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxTensor.UInt4("w", [1], [16]));
        Assert.Throws<ArgumentException>(() => new OnnxTensor("w", OnnxDataType.Int32, [2], new byte[7]));
        Assert.Throws<ArgumentException>(() => new OnnxTensor("w", OnnxDataType.Int4, [3], new byte[1]));
        Assert.Throws<ArgumentException>(() => new OnnxTensor("w", OnnxDataType.String, [1], new byte[1]));
        Assert.Equal(3, new OnnxTensor("w", OnnxDataType.UInt4, [5], new byte[3]).RawData.Length);
    }

    [Fact]
    public void The_writer_uses_the_documented_wire_format()
    {
        var graph = new OnnxGraph("");
        var model = new OnnxModel(graph) { IrVersion = 10 };
        model.OpsetImports.Add(new OnnxOpsetImport("", 21));
        var node = new OnnxNode("N", [], []);
        node.Attributes.Add(OnnxAttribute.Ints("a", -1));
        graph.Nodes.Add(node);

        byte[] expected =
        [
            .. Varint(1, 10),
            .. Bytes(7, Bytes(1, String(4, "N"), Bytes(5, String(1, "a"), Varint(8, -1), Varint(20, 7)))),
            .. Bytes(8, String(1, ""), Varint(2, 21)),
        ];
        Assert.Equal(expected, OnnxModelWriter.ToBytes(model));
    }

    [Fact]
    public void The_reader_skips_unknown_fields_of_every_wire_type_and_reads_typed_tensor_fields()
    {
        byte[] unknowns = [.. Varint(99, 123456789), .. Fixed64(98, ulong.MaxValue), .. Fixed32(97, 1f), .. String(96, "future")];
        byte[] attribute = [.. String(1, "ints"), .. String(13, "doc"), .. PackedVarints(8, 3, -4), .. Varint(20, 7), .. unknowns];
        byte[] floatsAttribute = [.. String(1, "floats"), .. PackedFloats(7, 0.5f, -1f), .. Varint(20, 6)];
        byte[] node = [.. String(1, "x"), .. String(2, "y"), .. String(4, "Relu"), .. Bytes(5, attribute), .. Bytes(5, floatsAttribute),
            .. String(8, "overload"), .. Bytes(9, String(1, "k")), .. unknowns];
        byte[] floatTensor = [.. Varint(1, 2), .. Varint(2, 1), .. PackedFloats(4, 1.25f, -8f), .. String(8, "f"), .. String(12, "doc"), .. unknowns];
        byte[] int64Tensor = [.. Varint(1, 2), .. Varint(7, long.MinValue), .. Varint(7, 42), .. String(8, "l"), .. Varint(2, 7)];
        byte[] int8Tensor = [.. PackedVarints(1, 3), .. Varint(2, 3), .. PackedVarints(5, -128, 0, 127), .. String(8, "b")];
        byte[] int4Tensor = [.. PackedVarints(1, 3), .. Varint(2, 22), .. PackedVarints(5, 0x78, 0x0F), .. String(8, "n")];
        byte[] dimension = [.. String(2, "batch"), .. String(3, "DATA_BATCH")];
        byte[] tensorType = [.. Varint(1, 1), .. Bytes(2, Bytes(1, dimension), Bytes(1, Varint(1, 4)), unknowns), .. unknowns];
        byte[] valueInfo = [.. String(1, "x"), .. Bytes(2, Bytes(1, tensorType), String(6, "IMAGE"), unknowns), .. String(3, "doc")];
        byte[] graph = [.. Bytes(1, node), .. String(2, "g"), .. Bytes(5, floatTensor), .. Bytes(5, int64Tensor), .. Bytes(5, int8Tensor),
            .. Bytes(5, int4Tensor), .. Bytes(11, valueInfo), .. Bytes(12, String(1, "y")), .. Bytes(16, String(1, "k")), .. unknowns];
        byte[] model = [.. unknowns, .. Varint(1, 8), .. Bytes(20, graph), .. Bytes(7, graph), .. Bytes(8, Varint(2, 17), unknowns),
            .. Bytes(14, String(1, "k"), String(2, "v"), unknowns), .. Varint(5, 3), .. String(4, "ai.qquant"), .. unknowns];

        OnnxModel read = OnnxModelReader.Read(model);

        Assert.Equal(8, read.IrVersion);
        Assert.Equal(new OnnxOpsetImport("", 17), Assert.Single(read.OpsetImports));
        Assert.Equal(new KeyValuePair<string, string>("k", "v"), Assert.Single(read.MetadataProps));
        OnnxNode relu = Assert.Single(read.Graph.Nodes);
        Assert.Equal("Relu", relu.OpType);
        Assert.Equal([3L, -4], relu.Attribute("ints")!.IntValues);
        Assert.Equal([0.5f, -1f], relu.Attribute("floats")!.FloatValues);
        Assert.Equal([1.25f, -8f], read.Graph.Initializers[0].ToFloats());
        Assert.Equal([long.MinValue, 42], read.Graph.Initializers[1].ToInt64s());
        Assert.Equal([-128, 0, 127], read.Graph.Initializers[2].ToInt32s());
        Assert.Equal([-8, 7, -1], read.Graph.Initializers[3].ToInt32s());
        OnnxValueInfo input = Assert.Single(read.Graph.Inputs);
        Assert.Equal([OnnxDimension.Named("batch"), OnnxDimension.Of(4)], input.Shape!);
        Assert.Equal(OnnxDataType.Float, input.ElementType);
        OnnxValueInfo output = Assert.Single(read.Graph.Outputs);
        Assert.Equal((OnnxDataType.Undefined, null), (output.ElementType, output.Shape));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_bytes_are_refused_with_a_format_error(int seed)
    {
        var bytes = new byte[1 << seed * 2];
        new Random(seed).NextBytes(bytes);

        Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(bytes));
    }

    [Fact]
    public void Every_truncation_of_a_model_is_refused_with_a_format_error()
    {
        OnnxModel model = Minimal();
        model.Graph.Initializers.Add(OnnxTensor.Floats("unused", [3], [1f, 2f, 3f]));
        byte[] bytes = OnnxModelWriter.ToBytes(model);

        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes[..length];
            Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(prefix));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x08, 0x0A, 0x3B }, "wire type 3")]
    [InlineData(new byte[] { 0x0F }, "wire type 7")]
    [InlineData(new byte[] { 0x0D, 0, 0, 0x20, 0x41 }, "declared with wire type 0")]
    [InlineData(new byte[] { 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, "ten bytes")]
    [InlineData(new byte[] { 0x12, 0x02, 0xC3, 0x28 }, "UTF-8")]
    [InlineData(new byte[] { 0x3A, 0x05, 0x0A }, "truncated")]
    [InlineData(new byte[] { 0x08, 0x0A }, "no graph")]
    public void Malformed_protobuf_is_refused_with_a_message_that_says_what_is_wrong(byte[] bytes, string expected)
    {
        var error = Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(bytes));

        Assert.Contains(expected, error.Message);
        Assert.Null(error.FilePath);
    }

    [Fact]
    public void Content_the_object_model_cannot_hold_is_refused_by_name()
    {
        byte[] Model(byte[] graph) => [.. Varint(1, 10), .. Bytes(7, graph), .. Bytes(8, Varint(2, 21))];
        byte[] stringTensor = Bytes(5, Varint(2, 8), String(8, "words"), String(6, "hello"));
        byte[] externalTensor = Bytes(5, Varint(2, 1), String(8, "big"), Bytes(13, String(1, "location"), String(2, "w.bin")));
        byte[] graphAttribute = Bytes(1, String(4, "If"), Bytes(5, String(1, "then_branch"), Varint(20, 5)));
        byte[] sequenceValue = Bytes(11, String(1, "s"), Bytes(2, Bytes(4, Bytes(1))));

        Assert.Contains("'words' holds strings", Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(Model(stringTensor))).Message);
        Assert.Contains("'big' keeps its data in an external file", Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(Model(externalTensor))).Message);
        Assert.Contains("'then_branch' has the type 5", Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(Model(graphAttribute))).Message);
        Assert.Contains("'s' is not a tensor", Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Read(Model(sequenceValue))).Message);
    }

    [Fact]
    public void Loading_a_file_that_is_not_a_model_names_the_file()
    {
        using var folder = new TemporaryFolder("qquant-onnx");
        string text = folder.Write("notes.onnx", "this is not a model\n"u8.ToArray());
        string empty = folder.Write("empty.onnx", []);

        var error = Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Load(text));
        Assert.Equal(text, error.FilePath);
        Assert.Contains(text, error.Message);
        Assert.IsAssignableFrom<QQuantException>(error);
        Assert.Contains("empty", Assert.Throws<OnnxFormatException>(() => OnnxModelReader.Load(empty)).Message);
    }
}
