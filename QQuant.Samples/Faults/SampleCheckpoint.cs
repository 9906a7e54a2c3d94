using System.Text;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Samples.Faults;

/// <summary>
/// A small but complete checkpoint for the checkpoint faults: an LSQ-quantized net with a BatchNorm (parameters,
/// float and int64 buffers, quantizer state), Adam's state after one step and meta with every field set. It remembers
/// what it saved, so a load of a damaged copy can be judged: a <see cref="CheckpointFileException"/> that names the file
/// and the part that failed, or content equal to the original bit for bit.
/// </summary>
internal sealed class SampleCheckpoint
{
    /// <summary>Words of which a message must hold one to say which part of the file failed.</summary>
    private static readonly string[] PartWords = ["checksum", "CRC", "zip directory", "entry"];

    private readonly Dictionary<string, byte[]> _state;
    private readonly byte[] _optimizerState;
    private readonly CheckpointMeta _meta;

    private SampleCheckpoint(Dictionary<string, byte[]> state, byte[] optimizerState, CheckpointMeta meta)
    {
        _state = state;
        _optimizerState = optimizerState;
        _meta = meta;
    }

    /// <summary>Saves the sample to <paramref name="path"/> with <see cref="Checkpoint.Save"/>; <paramref name="width"/> sets its size.</summary>
    public static SampleCheckpoint Save(string path, ulong seed, int width = 8)
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(seed, width);
        using optim.Optimizer adam = optim.Adam(model.parameters(), 0.01);
        Step(model, adam, seed);
        CheckpointMeta written = Checkpoint.Save(path, model, adam, new CheckpointMeta
        {
            Epoch = 3,
            Iteration = 120,
            Classes = ["cat", "dog", "bird"],
            Config = "{ \"model\": { \"type\": \"fault-sample\" } }",
            Policy = "{ \"rules\": [ \"LSQLinear\" ] }",
            Seed = (long)seed,
            Entries = new Dictionary<string, string> { ["note"] = "fault sample", ["top-1"] = "42.5" },
        });
        return new SampleCheckpoint(StateBytes(model), OptimizerBytes(adam), written);
    }

    /// <summary>The model: Linear → BatchNorm → ReLU → Linear, both Linears LSQ 4/4; seeded weights.</summary>
    public static Sequential Model(ulong seed, int width)
    {
        Sequential model = nn.Sequential(nn.Linear(4, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, 3));
        using (var generator = new Generator(seed))
        using (no_grad())
        {
            foreach (Parameter p in model.parameters())
            {
                using Tensor values = randn(p.shape, generator: generator);
                p.copy_(values);
            }
        }

        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(w: 4, a: 4));
        return model;
    }

    /// <summary>
    /// Judges a load of <paramref name="path"/> (a damaged copy): null when it survived, else what went wrong.
    /// Survived: a <see cref="CheckpointFileException"/> for the file whose message names it and the part that failed,
    /// or a load whose model, optimizer state and meta equal the original's exactly.
    /// </summary>
    public string? Judge(string path, ulong seed, int width = 8)
    {
        try
        {
            string? difference = Differs(path, seed, width);
            return difference is null ? null : $"loaded without an error but {difference}";
        }
        catch (CheckpointFileException e) when (e.FilePath == path)
        {
            if (!e.Message.Contains(path, StringComparison.Ordinal))
            {
                return $"the message does not name the file: {e.Message}";
            }

            return PartWords.Any(w => e.Message.Contains(w, StringComparison.Ordinal))
                ? null
                : $"the message does not say which part failed ({string.Join(", ", PartWords)}): {e.Message}";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>
    /// Loads <paramref name="path"/> into a fresh model and optimizer: null when model, optimizer state and meta equal
    /// what was saved bit for bit, else the first difference. Errors of the load propagate.
    /// </summary>
    public string? Differs(string path, ulong seed, int width = 8)
    {
        using var scope = NewDisposeScope();
        using Checkpoint checkpoint = Checkpoint.Load(path);
        Sequential model = Model(seed + 1, width);
        checkpoint.LoadInto(model, strict: true);
        using optim.Optimizer adam = optim.Adam(model.parameters(), 0.5);
        checkpoint.RestoreOptimizer(adam);
        Dictionary<string, byte[]> state = StateBytes(model);
        string? changed = _state.Keys.Concat(state.Keys).Distinct()
            .FirstOrDefault(k => !_state.TryGetValue(k, out byte[]? a) || !state.TryGetValue(k, out byte[]? b) || !a.AsSpan().SequenceEqual(b));
        if (changed is not null)
        {
            return $"the model tensor '{changed}' differs";
        }

        if (!OptimizerBytes(adam).AsSpan().SequenceEqual(_optimizerState))
        {
            return "the optimizer state differs";
        }

        return SameMeta(_meta, checkpoint.Meta) ? null : "the meta differs";
    }

    private static bool SameMeta(CheckpointMeta a, CheckpointMeta b) =>
        a.Epoch == b.Epoch && a.Iteration == b.Iteration && a.Config == b.Config && a.Policy == b.Policy && a.Seed == b.Seed
        && a.Time == b.Time && a.QQuantVersion == b.QQuantVersion && a.TorchSharpVersion == b.TorchSharpVersion
        && (a.Classes ?? []).SequenceEqual(b.Classes ?? []) && a.Entries.Count == b.Entries.Count
        && a.Entries.All(p => b.Entries.TryGetValue(p.Key, out string? v) && v == p.Value);

    private static void Step(Sequential model, optim.Optimizer optimizer, ulong seed)
    {
        using var generator = new Generator(seed + 100);
        model.train();
        Tensor x = randn([8, 4], generator: generator);
        Tensor labels = tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 });
        nn.functional.cross_entropy(model.call(x), labels).backward();
        optimizer.step();
    }

    /// <summary>Each state tensor as its dtype, shape and raw bytes, so equal bytes mean bit-identical tensors.</summary>
    private static Dictionary<string, byte[]> StateBytes(nn.Module model) =>
        model.state_dict().ToDictionary(p => p.Key, p => TensorBytes(p.Value));

    private static byte[] TensorBytes(Tensor t) =>
        [.. Encoding.UTF8.GetBytes($"{t.dtype}[{string.Join(",", t.shape)}]"), .. t.cpu().contiguous().bytes.ToArray()];

    private static byte[] OptimizerBytes(optim.Optimizer optimizer)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            ((OptimizerHelper)optimizer).save_state_dict(writer);
        }

        return buffer.ToArray();
    }
}
