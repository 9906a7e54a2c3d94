using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static QQuant.Tests.Checkpoints.CheckpointTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Checkpoints;

/// <summary>State-dict files: safetensors, PyTorch .pth (through PyBridge) and TorchSharp .dat, read back exactly.</summary>
public sealed class StateDictFileTests
{
    /// <summary>One tensor of every element type safetensors stores here, plus a scalar, an empty and a transposed view.</summary>
    private static Dictionary<string, Tensor> EveryDType() => new()
    {
        ["f32"] = tensor(new[] { 1.5f, -2.25f, 3e-8f, float.MaxValue }).reshape(2, 2),
        ["f64"] = tensor(new[] { Math.PI, -1e300, 0.0 }),
        ["f16"] = tensor(new[] { 0.5f, -65504f, 1f / 1024 }).to(float16),
        ["bf16"] = tensor(new[] { 1f, -3.5f, 1e30f }).to(bfloat16),
        ["i64"] = tensor(new[] { long.MinValue, 0L, long.MaxValue }),
        ["i32"] = tensor(new[] { int.MinValue, -1, int.MaxValue }),
        ["i16"] = tensor(new short[] { short.MinValue, 7, short.MaxValue }),
        ["i8"] = tensor(new sbyte[] { -128, 0, 127 }),
        ["u8"] = tensor(new byte[] { 0, 128, 255 }),
        ["bool"] = tensor(new[] { true, false, false, true, true }),
        ["scalar"] = tensor(42.0f),
        ["empty"] = zeros(0, 3),
        ["transposed"] = arange(6, dtype: float32).reshape(2, 3).t(),
    };

    [Theory]
    [InlineData("weights.safetensors")]
    [InlineData("weights.dat")]
    [InlineData("weights.pth")]
    public void Every_element_type_round_trips_bit_for_bit(string name)
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-sd");
        string path = Path.Combine(folder.Path, name);
        Dictionary<string, Tensor> original = EveryDType();

        StateDictFile.Save(path, original);
        Dictionary<string, Tensor> loaded = StateDictFile.Load(path);

        SameState(original, loaded);
        Assert.All(loaded.Values, t => Assert.Equal(DeviceType.CPU, t.device_type));
    }

    [Fact]
    public void A_safetensors_file_has_the_documented_layout()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-sd");
        string path = Path.Combine(folder.Path, "layout.safetensors");

        StateDictFile.Save(path,
            new Dictionary<string, Tensor> { ["a"] = tensor(new[] { 1f, -2f }), ["b"] = tensor(new byte[] { 7 }) },
            new Dictionary<string, string> { ["format"] = "pt" });

        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + headerLength) % 8);
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        JsonElement root = header.RootElement;
        Assert.Equal("pt", root.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.Equal("F32", root.GetProperty("a").GetProperty("dtype").GetString());
        Assert.Equal([2L], root.GetProperty("a").GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([0L, 8L], root.GetProperty("a").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([8L, 9L], root.GetProperty("b").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        // 1.0f = 0x3F800000 and -2.0f = 0xC0000000, little-endian; then the byte 7.
        Assert.Equal(new byte[] { 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 7 }, bytes[(8 + (int)headerLength)..]);
    }

    [Fact]
    public void Safetensors_metadata_is_read_back()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-sd");
        string path = Path.Combine(folder.Path, "meta.safetensors");
        var metadata = new Dictionary<string, string> { ["source"] = "unit test", ["epoch"] = "3" };
        StateDictFile.Save(path, new Dictionary<string, Tensor> { ["w"] = ones(2) }, metadata);

        using FileStream stream = File.OpenRead(path);
        Dictionary<string, Tensor> loaded = SafeTensorsFormat.Read(stream, path, out IReadOnlyDictionary<string, string> read);

        Assert.Equal(metadata.OrderBy(p => p.Key), read.OrderBy(p => p.Key));
        Assert.Equal(["w"], loaded.Keys);
    }

    [Fact]
    public void A_pth_written_by_PyBridge_save_py_reads_as_the_module_state()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-sd");
        string path = Path.Combine(folder.Path, "net.pth");
        Sequential model = NetWithBuffers(3);

        model.save_py(path);
        Dictionary<string, Tensor> loaded = StateDictFile.Load(path);

        SameState(model.state_dict(), loaded);
    }

    [Fact]
    public void A_pth_checkpoint_dict_gives_the_state_dict_under_its_state_dict_entry()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-sd");
        string path = Path.Combine(folder.Path, "checkpoint.pth");
        Sequential model = SmallNet(4);
        var checkpoint = new Dictionary<string, object>
        {
            ["state_dict"] = new Dictionary<string, Tensor>(model.state_dict()),
            ["meta"] = new Dictionary<string, object> { ["epoch"] = 3, ["CLASSES"] = new[] { "cat", "dog" } },
            ["optimizer"] = new Dictionary<string, object> { ["momentum"] = ones(3) },
        };
        using (FileStream stream = File.Create(path))
        {
            PyTorchPickler.PickleStateDict(stream, checkpoint);
        }

        Dictionary<string, Tensor> loaded = StateDictFile.Load(path);

        SameState(model.state_dict(), loaded);
    }

    [Fact]
    public void A_dat_file_is_TorchSharps_own_format_both_ways()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-sd");
        Sequential source = NetWithBuffers(5);
        string byTorchSharp = Path.Combine(folder.Path, "torchsharp.dat");
        string byQQuant = Path.Combine(folder.Path, "qquant.dat");

        source.save(byTorchSharp);
        StateDictFile.Save(byQQuant, source);
        Sequential target = NetWithBuffers(6);
        target.load(byQQuant);

        SameState(source.state_dict(), StateDictFile.Load(byTorchSharp));
        SameState(source.state_dict(), target.state_dict());
    }

    [Fact]
    public void An_unknown_extension_names_the_file_and_the_supported_ones()
    {
        using var folder = new TemporaryFolder("qquant-sd");
        string path = folder.Write("weights.onnx", [1, 2, 3]);

        var e = Assert.Throws<CheckpointFileException>(() => StateDictFile.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains("weights.onnx", e.Message);
        Assert.Contains(".safetensors, .pth, .pt, .dat", e.Message);
    }

    [Theory]
    [InlineData("cut.safetensors")]
    [InlineData("cut.dat")]
    [InlineData("cut.pth")]
    public void A_truncated_file_fails_with_an_error_naming_it(string name)
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-sd");
        string whole = Path.Combine(folder.Path, "whole" + Path.GetExtension(name));
        StateDictFile.Save(whole, SmallNet(7).state_dict());
        byte[] bytes = File.ReadAllBytes(whole);
        string path = folder.Write(name, bytes[..(bytes.Length * 2 / 3)]);

        var e = Assert.Throws<CheckpointFileException>(() => StateDictFile.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("noise.safetensors")]
    [InlineData("noise.dat")]
    [InlineData("noise.pth")]
    public void A_file_of_another_format_fails_with_an_error_naming_it(string name)
    {
        using var folder = new TemporaryFolder("qquant-sd");
        string path = folder.Write(name, Encoding.UTF8.GetBytes("{\"this is\": \"not a tensor file at all, just some JSON text\"}"));

        var e = Assert.Throws<CheckpointFileException>(() => StateDictFile.Load(path));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_safetensors_header_whose_offsets_do_not_match_the_shape_is_refused()
    {
        using var folder = new TemporaryFolder("qquant-sd");
        byte[] header = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}");
        byte[] bytes = [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[8]];
        string path = folder.Write("bad.safetensors", bytes);

        var e = Assert.Throws<CheckpointFileException>(() => StateDictFile.Load(path));

        Assert.Contains("'w'", e.Message);
        Assert.Contains("12 bytes", e.Message);
    }

    [Fact]
    public void Metadata_for_a_format_without_a_place_for_it_is_refused()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-sd");
        string path = Path.Combine(folder.Path, "w.pth");

        var e = Assert.Throws<ArgumentException>(() => StateDictFile.Save(path,
            new Dictionary<string, Tensor> { ["w"] = ones(1) }, new Dictionary<string, string> { ["k"] = "v" }));

        Assert.Contains(".safetensors", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        using var folder = new TemporaryFolder("qquant-sd");
        string path = Path.Combine(folder.Path, "absent.safetensors");

        var e = Assert.Throws<CheckpointFileException>(() => StateDictFile.Load(path));

        Assert.Contains(path, e.Message);
    }
}
