using System.IO.Compression;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Checkpoints.CheckpointTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Checkpoints;

/// <summary>The one-file training checkpoint: model, optimizer and meta round trips, atomic writes, bad files.</summary>
public sealed class CheckpointTests
{
    public static TheoryData<string> Optimizers() => ["SGD", "Adam"];

    private static optim.Optimizer OptimizerFor(string kind, nn.Module model) => kind switch
    {
        "SGD" => optim.SGD(model.parameters(), 0.05, momentum: 0.9),
        _ => optim.Adam(model.parameters(), 0.01),
    };

    private static CheckpointMeta SampleMeta() => new()
    {
        Epoch = 3,
        Iteration = 1200,
        Classes = ["cat", "dog", "émeu"],
        Config = "{ \"model\": { \"type\": \"ImageClassifier\" } }\n// second line",
        Seed = 42,
        Entries = new Dictionary<string, string> { ["git"] = "abc123", ["note"] = "quote \" and newline \n" },
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_quantized_model_and_its_optimizer_resume_exactly(string kind)
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string path = Path.Combine(folder.Path, "epoch_1.ckpt");
        Sequential model = QuantizedNet(20);
        using optim.Optimizer optimizer = OptimizerFor(kind, model);
        TrainStep(model, optimizer, 21);
        TrainStep(model, optimizer, 22);

        Checkpoint.Save(path, model, optimizer, SampleMeta());
        Sequential restored = QuantizedNet(23);
        using optim.Optimizer restoredOptimizer = OptimizerFor(kind, restored);
        using (Checkpoint checkpoint = Checkpoint.Load(path))
        {
            StateDictLoadReport report = checkpoint.LoadInto(restored);
            checkpoint.RestoreOptimizer(restoredOptimizer);
            Assert.True(report.IsExactMatch, report.ToString());
        }

        SameState(model.state_dict(), restored.state_dict());
        Assert.Equal(OptimizerBytes(optimizer), OptimizerBytes(restoredOptimizer));
        model.eval();
        restored.eval();
        Tensor x = Normal(24, 7, 4);
        using (no_grad())
        {
            Assert.True(model.call(x).eq(restored.call(x)).all().ToBoolean(), "eval outputs differ");
        }

        TrainStep(model, optimizer, 25);
        TrainStep(restored, restoredOptimizer, 25);
        SameState(model.state_dict(), restored.state_dict());
        Assert.Equal(OptimizerBytes(optimizer), OptimizerBytes(restoredOptimizer));
    }

    [Fact]
    public void The_meta_round_trips_with_the_time_and_version_stamped()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string path = Path.Combine(folder.Path, "meta.ckpt");
        DateTimeOffset before = DateTimeOffset.Now;

        CheckpointMeta written = Checkpoint.Save(path, SmallNet(26), null, SampleMeta());
        using Checkpoint checkpoint = Checkpoint.Load(path);

        CheckpointMeta meta = checkpoint.Meta;
        Assert.Equal((3, 1200L, 42L), (meta.Epoch, meta.Iteration, meta.Seed!.Value));
        Assert.Equal(["cat", "dog", "émeu"], meta.Classes!);
        Assert.Equal(SampleMeta().Config, meta.Config);
        Assert.Equal(SampleMeta().Entries.OrderBy(p => p.Key), meta.Entries.OrderBy(p => p.Key));
        Assert.Equal(written.Time, meta.Time);
        Assert.True(meta.Time >= before.AddSeconds(-1) && meta.Time <= DateTimeOffset.Now.AddSeconds(1));
        Assert.Equal(Checkpoint.CurrentQQuantVersion, meta.QQuantVersion);
        Assert.False(checkpoint.HasOptimizerState);
        var e = Assert.Throws<CheckpointFileException>(() => checkpoint.RestoreOptimizer(optim.SGD(SmallNet(27).parameters(), 0.1)));
        Assert.Contains("no optimizer state", e.Message);
    }

    [Fact]
    public void The_file_is_a_zip_with_the_documented_entries_and_a_standard_safetensors_model()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string path = Path.Combine(folder.Path, "layout.ckpt");
        Sequential model = QuantizedNet(28);
        using var sgd = optim.SGD(model.parameters(), 0.1);
        TrainStep(model, sgd, 29);

        Checkpoint.Save(path, model, sgd, new CheckpointMeta { Classes = ["a", "b", "c"] });

        using (ZipArchive zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["format", "meta.json", "model.safetensors", "optimizer.bin"], zip.Entries.Select(e => e.FullName));
            using var reader = new StreamReader(zip.GetEntry("format")!.Open());
            Assert.Equal("qquant.checkpoint/1", reader.ReadToEnd().Trim());
            using var meta = new StreamReader(zip.GetEntry("meta.json")!.Open());
            Assert.Contains("\"CLASSES\"", meta.ReadToEnd());
        }

        // The model entry is what StateDictFile reads from a checkpoint: every parameter and buffer, quantizer state included.
        string asPth = Path.Combine(folder.Path, "layout.pth");
        File.Copy(path, asPth);
        Dictionary<string, Tensor> state = StateDictFile.Load(asPth);
        SameState(model.state_dict(), state);
        Assert.Contains("0.weight_quantizer.step", state.Keys);
        Assert.Contains("2.input_quantizer.initialized", state.Keys);
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_previous_checkpoint_untouched_and_no_temporary_file()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string path = Path.Combine(folder.Path, "latest.ckpt");
        Checkpoint.Save(path, SmallNet(30), null, new CheckpointMeta { Epoch = 1 });
        byte[] before = File.ReadAllBytes(path);

        var e = Assert.Throws<InvalidOperationException>(() =>
            Checkpoint.Save(path, new ExplodingModule(), null, new CheckpointMeta { Epoch = 2 }));

        Assert.Equal("disk full (simulated)", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
        using Checkpoint survivor = Checkpoint.Load(path);
        Assert.Equal(1, survivor.Meta.Epoch);
    }

    [Fact]
    public void A_truncated_checkpoint_fails_with_an_error_naming_it()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string whole = Path.Combine(folder.Path, "whole.ckpt");
        Checkpoint.Save(whole, SmallNet(31), null, new CheckpointMeta());
        byte[] bytes = File.ReadAllBytes(whole);
        string path = folder.Write("cut.ckpt", bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated or corrupt", e.Message);
    }

    [Fact]
    public void A_missing_checkpoint_and_a_link_to_a_missing_one_fail_with_errors_naming_them()
    {
        using var folder = new TemporaryFolder("qquant-ckpt");
        string missing = Path.Combine(folder.Path, "epoch_2.ckpt");
        string link = Path.Combine(folder.Path, "latest.ckpt");
        File.CreateSymbolicLink(link, "epoch_2.ckpt");

        var absent = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(missing));
        var dangling = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(link));

        Assert.Equal($"The checkpoint '{missing}' does not exist.", absent.Message);
        Assert.Equal(link, dangling.FilePath);
        Assert.Equal($"The checkpoint '{link}' does not exist: it is a link to '{missing}', which is missing.", dangling.Message);
    }

    [Fact]
    public void A_damaged_model_entry_fails_with_an_error_naming_the_checkpoint()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string path = Path.Combine(folder.Path, "flipped.ckpt");
        Sequential model = SmallNet(32);
        Checkpoint.Save(path, model, null, new CheckpointMeta());
        byte[] bytes = File.ReadAllBytes(path);
        // Flip one bit of a stored bias value (the data is stored uncompressed): the entry's CRC no longer matches.
        byte[] bias = model.state_dict()["2.bias"].data<float>().ToArray().SelectMany(BitConverter.GetBytes).ToArray();
        int at = IndexOf(bytes, bias);
        Assert.True(at > 0, "the bias bytes are stored as they are");
        bytes[at + 5] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("its bytes do not match the CRC-32 checksum recorded at its end", e.Message);
    }

    [Fact]
    public void A_checkpoint_written_before_the_file_checksum_loads_and_its_entry_checksums_still_guard_it()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string current = Path.Combine(folder.Path, "current.ckpt");
        string path = Path.Combine(folder.Path, "older.ckpt");
        Sequential model = SmallNet(33);
        Checkpoint.Save(current, model, null, new CheckpointMeta { Epoch = 4 });
        WithoutFileChecksum(current, path);

        using (Checkpoint older = Checkpoint.Load(path))
        {
            Assert.Equal(4, older.Meta.Epoch);
            SameState(model.state_dict(), older.ModelState);
        }

        byte[] bytes = File.ReadAllBytes(path);
        byte[] bias = model.state_dict()["2.bias"].data<float>().ToArray().SelectMany(BitConverter.GetBytes).ToArray();
        bytes[IndexOf(bytes, bias) + 5] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("'model.safetensors' entry does not match the checksum", e.Message);
    }

    [Fact]
    public void A_checkpoint_whose_file_checksum_was_cut_off_is_refused()
    {
        using var folder = new TemporaryFolder("qquant-ckpt");
        string path = Path.Combine(folder.Path, "cut.ckpt");
        Checkpoint.Save(path, SmallNet(34), null, new CheckpointMeta());
        byte[] bytes = File.ReadAllBytes(path);
        // The zip comment's length field says 0 and the comment is gone: a valid zip, but not as it was written.
        bytes[^23] = 0;
        File.WriteAllBytes(path, bytes[..^21]);

        var e = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains("its meta.json says the file ends in its CRC-32 checksum", e.Message);
    }

    [Fact]
    public void A_checkpoint_that_lost_its_optimizer_entry_is_refused_instead_of_loading_without_optimizer_state()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string current = Path.Combine(folder.Path, "current.ckpt");
        string path = Path.Combine(folder.Path, "renamed.ckpt");
        Sequential model = SmallNet(35);
        using var sgd = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
        TrainStep(model, sgd, 36);
        Checkpoint.Save(current, model, sgd, new CheckpointMeta());
        WithoutFileChecksum(current, path, rename: ("optimizer.bin", "optimizer.bim"));

        var e = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("lacks its 'optimizer.bin' entry, which its meta.json says was saved", e.Message);
    }

    [Fact]
    public void A_truncated_checkpoint_names_the_part_that_failed()
    {
        using var folder = new TemporaryFolder("qquant-ckpt");
        string whole = Path.Combine(folder.Path, "whole.ckpt");
        Checkpoint.Save(whole, SmallNet(38), null, new CheckpointMeta());
        string path = folder.Write("cut.ckpt", File.ReadAllBytes(whole)[..100]);

        var e = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(path));

        Assert.Contains($"'{path}': it is truncated or corrupt in its zip directory or headers", e.Message);
    }

    [Fact]
    public void A_zip_that_is_not_a_checkpoint_and_a_newer_format_are_refused_by_name()
    {
        using var folder = new TemporaryFolder("qquant-ckpt");
        string other = Path.Combine(folder.Path, "other.ckpt");
        string newer = Path.Combine(folder.Path, "newer.ckpt");
        WriteZip(other, ("readme.txt", "hello"));
        WriteZip(newer, ("format", "qquant.checkpoint/99"), ("meta.json", "{}"));

        var notCheckpoint = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(other));
        var tooNew = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(newer));

        Assert.Contains($"'{other}' is a zip archive but not a QQuant checkpoint", notCheckpoint.Message);
        Assert.Contains("qquant.checkpoint/99", tooNew.Message);
        Assert.Contains("versions 1 to 1", tooNew.Message);
    }

    [Fact]
    public void Optimizer_state_of_another_optimizer_type_is_refused_by_name()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string path = Path.Combine(folder.Path, "sgd.ckpt");
        Sequential model = SmallNet(33);
        using var sgd = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
        TrainStep(model, sgd, 34);
        Checkpoint.Save(path, model, sgd, new CheckpointMeta());

        using Checkpoint checkpoint = Checkpoint.Load(path);
        using var adam = optim.Adam(model.parameters());
        var e = Assert.Throws<CheckpointFileException>(() => checkpoint.RestoreOptimizer(adam));

        Assert.Contains(path, e.Message);
        Assert.Contains("SGD", e.Message);
    }

    [Fact]
    public void A_model_on_a_cuda_device_saves_and_restores_on_that_device()
    {
        Assert.SkipUnless(cuda.is_available(), "CUDA is not available");
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-ckpt");
        string path = Path.Combine(folder.Path, "cuda.ckpt");
        Sequential model = QuantizedNet(35);
        model.to(CUDA);
        using var sgd = optim.SGD(model.parameters(), 0.05, momentum: 0.9);
        TrainStepOn(model, sgd, CUDA);

        Checkpoint.Save(path, model, sgd, new CheckpointMeta());
        Sequential restored = QuantizedNet(36);
        restored.to(CUDA);
        using var restoredSgd = optim.SGD(restored.parameters(), 0.05, momentum: 0.9);
        using (Checkpoint checkpoint = Checkpoint.Load(path))
        {
            checkpoint.LoadInto(restored);
            checkpoint.RestoreOptimizer(restoredSgd);
        }

        Assert.All(restored.state_dict().Values, t => Assert.Equal(DeviceType.CUDA, t.device_type));
        TrainStepOn(model, sgd, CUDA);
        TrainStepOn(restored, restoredSgd, CUDA);
        SameState(model.state_dict(), restored.state_dict());
    }

    private static void TrainStepOn(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Device device)
    {
        using var scope = NewDisposeScope();
        model.train();
        optimizer.zero_grad();
        Tensor x = Normal(37, 6, 4).to(device);
        Tensor labels = tensor(new long[] { 0, 1, 2, 0, 1, 2 }, device: device);
        nn.functional.cross_entropy(model.call(x), labels).backward();
        optimizer.step();
    }

    private static void WriteZip(string path, params (string Name, string Text)[] entries)
    {
        using ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach ((string name, string text) in entries)
        {
            using var writer = new StreamWriter(zip.CreateEntry(name).Open());
            writer.Write(text);
        }
    }

    /// <summary>
    /// Copies a checkpoint as QQuant wrote it before checkpoints ended in a file checksum: the same entries, meta.json
    /// without its file_checksum key, no zip comment; <paramref name="rename"/> optionally renames one entry.
    /// </summary>
    private static void WithoutFileChecksum(string source, string target, (string From, string To)? rename = null)
    {
        using ZipArchive from = ZipFile.OpenRead(source);
        using ZipArchive to = ZipFile.Open(target, ZipArchiveMode.Create);
        foreach (ZipArchiveEntry entry in from.Entries)
        {
            using var content = new MemoryStream();
            using (Stream stream = entry.Open())
            {
                stream.CopyTo(content);
            }

            byte[] bytes = content.ToArray();
            if (entry.FullName == "meta.json")
            {
                var meta = System.Text.Json.Nodes.JsonNode.Parse(bytes)!.AsObject();
                Assert.True(meta.Remove("file_checksum"), "meta.json records the file checksum");
                bytes = Encoding.UTF8.GetBytes(meta.ToJsonString());
            }

            string name = rename is { } r && r.From == entry.FullName ? r.To : entry.FullName;
            using Stream written = to.CreateEntry(name, CompressionLevel.NoCompression).Open();
            written.Write(bytes);
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A module whose state cannot be read: the write fails after the archive's first entries are on disk.</summary>
    private sealed class ExplodingModule : nn.Module<Tensor, Tensor>
    {
        public ExplodingModule() : base(nameof(ExplodingModule))
        {
        }

        public override Tensor forward(Tensor input) => input;

        public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null) =>
            throw new InvalidOperationException("disk full (simulated)");
    }
}
