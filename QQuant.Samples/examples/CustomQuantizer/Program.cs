using CustomQuantizer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

// Your own quantizer, end to end: MyQuantizer (a symmetric uniform quantizer with a learnable step) and the scheme
// that uses it (MyScheme), registered by name through dependency injection, named in a JSON policy
// (quant-policy.json), applied to a small CNN, and trained for a few steps on synthetic data.
TorchEnvironment.EnsureLoaded();
random.manual_seed(0);

IConfiguration configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("quant-policy.json", optional: false)
    .Build();

var services = new ServiceCollection();
services.AddQQuant()                                  // the layer registry
    .AddQuantizers()                                  // the built-in schemes (EightBitLinear, LSQ, ...)
    .AddScheme<MyScheme>()                            // yours, by the name the JSON uses ("MyQuant")
    .AddPolicy(configuration.GetSection("quantTransformer"));
using ServiceProvider provider = services.BuildServiceProvider();
QuantPolicy policy = provider.GetRequiredService<QuantPolicy>();   // a bad config throws here, naming the key

// Without JSON the same policy reads:
//   QuantPolicy.For<Conv2d>().Use<MyScheme>(4, 4).For<Linear>().Use<EightBitLinear>(8, 8)
//       .Override("conv1", r => r.Use<MyScheme>(8, 8, o => o.QuantizeInput = false))
using Sequential model = nn.Sequential(
    ("conv1", nn.Conv2d(3, 8, 3, padding: 1)),
    ("relu1", nn.ReLU()),
    ("conv2", nn.Conv2d(8, 16, 3, stride: 2, padding: 1)),
    ("relu2", nn.ReLU()),
    ("pool", nn.AdaptiveAvgPool2d(1)),
    ("flatten", nn.Flatten()),
    ("fc", nn.Linear(16, 4)));

QuantizationReport report = model.Quantize(policy);
Console.WriteLine(report);
Console.WriteLine();

var conv2 = (QuantizedConv2d)model.named_modules().Single(m => m.name == "conv2").module;
var weightQuantizer = (MyQuantizer)conv2.WeightQuantizer;
var inputQuantizer = (MyQuantizer)conv2.InputQuantizer;

// Synthetic 4-class data: class c brightens colour channel c (class 3 darkens all three), plus noise.
const int Samples = 256, BatchSize = 64, Steps = 40;
using Tensor labels = randint(0, 4, [Samples]);
using Tensor images = Synthetic(labels);

model.train();
using var optimizer = optim.SGD(model.parameters(), learningRate: 0.05, momentum: 0.9);
float firstLoss = float.NaN, lastLoss = float.NaN;
float weightStepAtInit = float.NaN, inputStepAtInit = float.NaN;
for (int step = 0; step < Steps; step++)
{
    using var scope = NewDisposeScope();
    long start = step * BatchSize % Samples;
    Tensor x = images.narrow(0, start, BatchSize);
    Tensor y = labels.narrow(0, start, BatchSize);
    Tensor loss = nn.functional.cross_entropy(model.call(x), y);
    if (step == 0)
    {
        // The first training forward has just initialised every quantizer from its data (s = max|x| / L).
        weightStepAtInit = weightQuantizer.Step.item<float>();
        inputStepAtInit = inputQuantizer.Step.item<float>();
        firstLoss = loss.item<float>();
        Console.WriteLine(
            $"initialised on the first batch: conv2 weight step {weightStepAtInit:F5} (signed, L = {weightQuantizer.MaxLevel}), "
            + $"input step {inputStepAtInit:F5} ({(inputQuantizer.IsSigned ? "signed" : "unsigned")}, L = {inputQuantizer.MaxLevel})");
    }

    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    lastLoss = loss.item<float>();
    if (step % 5 == 0 || step == Steps - 1)
    {
        Console.WriteLine(
            $"step {step,2}  loss {lastLoss:F4}  conv2 weight step {weightQuantizer.Step.item<float>():F5}  "
            + $"input step {inputQuantizer.Step.item<float>():F5}");
    }
}

float weightStep = weightQuantizer.Step.item<float>(), inputStep = inputQuantizer.Step.item<float>();
Console.WriteLine();
Console.WriteLine($"loss fell from {firstLoss:F4} to {lastLoss:F4}");
Console.WriteLine($"conv2.weight_quantizer.step moved from {weightStepAtInit:F5} to {weightStep:F5}");
Console.WriteLine($"conv2.input_quantizer.step moved from {inputStepAtInit:F5} to {inputStep:F5}");

// The quantized weight lies on the learned grid: every value is a whole number of steps, at most L of them.
using (NewDisposeScope())
{
    Tensor levels = conv2.QuantizedWeight() / weightQuantizer.Step.abs();
    bool onGrid = levels.allclose(levels.round(), rtol: 0, atol: 1e-3) && levels.abs().max().item<float>() <= weightQuantizer.MaxLevel + 1e-3;
    Console.WriteLine($"conv2's quantized weight uses {levels.round().unique().Item1.numel()} of the {2 * weightQuantizer.MaxLevel + 1} levels; on the grid: {(onGrid ? "yes" : "no")}");

    bool learned = lastLoss < firstLoss && weightStep != weightStepAtInit && inputStep != inputStepAtInit;
    return learned && onGrid ? 0 : 1;
}

static Tensor Synthetic(Tensor labels)
{
    using var scope = NewDisposeScope();
    Tensor shift = cat([eye(3), full(1, 3, -1.0f)]);                 // [4 classes, 3 channels]
    Tensor offset = shift.index_select(0, labels).view(-1, 3, 1, 1);
    return (randn(labels.shape[0], 3, 16, 16) + offset).MoveToOuterDisposeScope();
}
