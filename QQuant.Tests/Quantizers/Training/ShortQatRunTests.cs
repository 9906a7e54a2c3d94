using QQuant;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Training;

/// <summary>
/// A short quantization-aware training run per method on a small seeded problem: a float model trained briefly,
/// quantized at 4/4 bits, calibrated, then trained with its quantizers; the loss must fall and every learnable
/// quantizer parameter must move.
/// </summary>
public sealed class ShortQatRunTests
{
    private const int Samples = 2000;
    private const int BatchSize = 50;
    private const int FloatSteps = 5;
    private const int CalibrationBatches = 4;
    private const int QatSteps = 40;

    /// <summary>Learnable quantizer parameters per quantized layer (weight and input quantizers together).</summary>
    private static readonly Dictionary<string, int> ParametersPerLayer = new()
    {
        ["LSQ"] = 2, // weight step, input step
        ["LSQPlus"] = 3, // weight step, input step and offset
        ["DSQ"] = 6, // alpha, lower, upper for each
        ["DoReFa"] = 0, // fixed grids
        ["PACT"] = 1, // input alpha (the weight uses DoReFa's)
        ["APoT"] = 2, // weight alpha, input alpha
        ["Uniform"] = 2, // weight alpha, input alpha
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string method in Methods)
        {
            data.Add(method, "mlp");
            data.Add(method, "cnn");
        }

        return data;
    }

    // Three Gaussian blobs in 16-D: centres N(0, 0.5²) per coordinate, samples centre + N(0, 1); labels uniform.
    private static (Tensor X, Tensor Y) Blobs(ulong seed)
    {
        using var generator = new Generator(seed);
        Tensor centres = randn([3, 16], generator: generator) * 0.5;
        Tensor y = (rand([Samples], generator: generator) * 3).floor().to(int64);
        Tensor x = centres.index_select(0, y) + randn([Samples, 16], generator: generator);
        return (x, y);
    }

    // 8x8 one-channel images: horizontal stripes, vertical stripes or a checkerboard, at a random contrast in
    // [0.3, 1], plus N(0, 0.6²) noise.
    private static (Tensor X, Tensor Y) Images(ulong seed)
    {
        using var generator = new Generator(seed);
        Tensor rows = arange(8).reshape(8, 1).expand(8, 8);
        Tensor cols = arange(8).reshape(1, 8).expand(8, 8);
        Tensor patterns = stack([
            rows.remainder(2), cols.remainder(2), (rows + cols).remainder(2),
        ]).to(float32);
        Tensor y = (rand([Samples], generator: generator) * 3).floor().to(int64);
        Tensor contrast = rand([Samples, 1, 1], generator: generator) * 0.7 + 0.3;
        Tensor x = patterns.index_select(0, y) * contrast + randn([Samples, 8, 8], generator: generator) * 0.6;
        return (x.unsqueeze(1), y);
    }

    private static Sequential Network(string architecture) => architecture == "mlp"
        ? nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3))
        : nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 3));

    private static (Tensor X, Tensor Y) Batch((Tensor X, Tensor Y) data, int index)
    {
        int start = index % (Samples / BatchSize) * BatchSize;
        return (data.X.narrow(0, start, BatchSize), data.Y.narrow(0, start, BatchSize));
    }

    private static List<double> Train(Sequential model, (Tensor X, Tensor Y) data, int steps, double lr)
    {
        model.train();
        using var optimizer = optim.Adam(model.parameters(), lr);
        var losses = new List<double>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var (x, y) = Batch(data, step);
            optimizer.zero_grad();
            Tensor loss = nn.functional.cross_entropy(model.call(x), y);
            loss.backward();
            optimizer.step();
            losses.Add(loss.ToDouble());
        }

        return losses;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_short_QAT_run_lowers_the_loss_and_moves_every_learnable_quantizer_parameter(string method, string architecture)
    {
        using var scope = NewDisposeScope();
        (Tensor X, Tensor Y) data = architecture == "mlp" ? Blobs(51) : Images(52);
        Sequential model = Network(architecture);
        Reinitialize(model, 53);
        Train(model, data, FloatSteps, lr: 1e-2);

        model.Quantize(PolicyFor(method, 4, 4));
        CalibrationSummary summary = QuantCalibration.Calibrate(
            model, Enumerable.Range(FloatSteps, CalibrationBatches).Select(i => Batch(data, i).X));
        List<(string Name, Parameter Parameter)> learnable = QuantizerParameters(model);
        Dictionary<string, double[]> calibrated = learnable.ToDictionary(p => p.Name, p => Values(p.Parameter));

        List<double> losses = Train(model, data, QatSteps, lr: 5e-3);

        Assert.Equal(4, summary.Quantizers);
        Assert.Equal(2 * ParametersPerLayer[method], learnable.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l), $"a loss is {l}"));
        double start = losses.Take(5).Average(), end = losses.TakeLast(5).Average();
        Assert.True(end < start, $"{method} {architecture}: the loss went from {start:F4} to {end:F4}; all: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
        foreach (var (name, parameter) in learnable)
        {
            double[] now = Values(parameter);
            double moved = now.Zip(calibrated[name], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(moved > 0, $"{method} {architecture}: {name} did not move from {calibrated[name][0]}");
            Assert.True(now.All(double.IsFinite), $"{method} {architecture}: {name} is not finite");
        }

        // The trained model evaluates (the kept weight included) without error and with finite outputs.
        model.eval();
        using (no_grad())
        {
            Finite(model.call(Batch(data, 0).X));
        }
    }
}
