using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Checkpoints;

/// <summary>Seeded models and tensors (no global seed) and state comparisons shared by the checkpoint tests.</summary>
internal static class CheckpointTestSupport
{
    /// <summary>Standard normal values from a private generator.</summary>
    public static Tensor Normal(ulong seed, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, generator: generator);
    }

    /// <summary>Linear(4, 8) → ReLU → Linear(8, 3) with seeded weights (keys 0.weight, 0.bias, 2.weight, 2.bias).</summary>
    public static Sequential SmallNet(ulong seed)
    {
        Sequential model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3));
        Reseed(model, seed);
        return model;
    }

    /// <summary>A small net with a BatchNorm (buffers, an int64 counter) between its layers.</summary>
    public static Sequential NetWithBuffers(ulong seed)
    {
        Sequential model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3));
        Reseed(model, seed);
        return model;
    }

    /// <summary><see cref="SmallNet"/> with both layers LSQ-quantized at 4/4 bits.</summary>
    public static Sequential QuantizedNet(ulong seed)
    {
        Sequential model = SmallNet(seed);
        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(w: 4, a: 4));
        return model;
    }

    /// <summary>Overwrites every parameter with seeded normal values scaled by 0.5.</summary>
    public static void Reseed(nn.Module model, ulong seed)
    {
        using var generator = new Generator(seed);
        using var noGrad = no_grad();
        foreach (Parameter p in model.parameters())
        {
            using Tensor values = randn(p.shape, dtype: p.dtype, generator: generator) * 0.5;
            p.copy_(values);
        }
    }

    /// <summary>Detached copies of a module's state, to compare against later.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());

    /// <summary>Same keys, and for each key the same dtype, shape and bit-for-bit values.</summary>
    public static void SameState(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((string key, Tensor e) in expected)
        {
            Tensor a = actual[key];
            Assert.True(e.dtype == a.dtype, $"{key}: dtype {e.dtype} became {a.dtype}");
            Assert.True(e.shape.SequenceEqual(a.shape), $"{key}: shape [{string.Join(",", e.shape)}] became [{string.Join(",", a.shape)}]");
            Assert.True(e.cpu().eq(a.cpu()).all().ToBoolean(), $"{key}: values differ");
        }
    }

    /// <summary>One SGD-style training step on fixed data: forward, cross-entropy, backward, step.</summary>
    public static void TrainStep(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, ulong seed)
    {
        using var scope = NewDisposeScope();
        model.train();
        optimizer.zero_grad();
        Tensor x = Normal(seed, 6, 4);
        Tensor labels = tensor(new long[] { 0, 1, 2, 0, 1, 2 });
        nn.functional.cross_entropy(model.call(x), labels).backward();
        optimizer.step();
    }

    /// <summary>The optimizer's state as TorchSharp serialises it: equal bytes mean equal hyperparameters and buffers.</summary>
    public static byte[] OptimizerBytes(optim.Optimizer optimizer)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            ((OptimizerHelper)optimizer).save_state_dict(writer);
        }

        return memory.ToArray();
    }
}
