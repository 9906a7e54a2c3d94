using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

// Quantizes a TorchVision resnet18 (10 classes) for quantization-aware training:
//   every Conv2d          -> LSQConv, 4-bit weights and 4-bit inputs (learned step sizes)
//   conv1 (sees the image) -> EightBitConv, 8-bit weights, float input
//   the fc Linear          -> EightBitLinear, 8-bit weights and inputs
//   layer4.1.conv2         -> stays float
// then prints the report, calibrates the quantizers on two random batches and runs one SGD training step.
TorchEnvironment.EnsureLoaded();
random.manual_seed(0);

QuantPolicy policy = QuantPolicy
    .For<Conv2d>().Use<LSQConv>(w: 4, a: 4)
    .For<Linear>().Use<EightBitLinear>(w: 8, a: 8)
    .Override("conv1", r => r.Use<EightBitConv>(w: 8, a: 8, o => o.QuantizeInput = false))
    .Except("layer4.1.conv2");

using var model = torchvision.models.resnet18(num_classes: 10);

// A dry run first would print the same table without changing anything: model.PlanQuantization(policy).
QuantizationReport report = model.Quantize(policy);
Console.WriteLine(report);
Console.WriteLine();

// Optional: initialise every quantizer from data before training (otherwise the first training batch does it).
using (NewDisposeScope())
{
    Tensor[] batches = [randn(8, 3, 32, 32), randn(8, 3, 32, 32)];
    CalibrationSummary calibrated = QuantCalibration.Calibrate(model, batches);
    Console.WriteLine($"calibrated {calibrated.Quantizers} quantizers on {calibrated.Batches} batches");
}

// One training step on random 32x32 images: the quantized layers train like float ones.
model.train();
using var optimizer = optim.SGD(model.parameters(), learningRate: 0.01, momentum: 0.9);
float loss;
using (NewDisposeScope())
{
    Tensor images = randn(8, 3, 32, 32);
    Tensor labels = randint(0, 10, [8]);
    Tensor logits = model.call(images);
    Tensor objective = nn.functional.cross_entropy(logits, labels);
    optimizer.zero_grad();
    objective.backward();
    optimizer.step();
    loss = objective.item<float>();
    Console.WriteLine($"training step: loss {loss:F4} on a batch of shape [{string.Join(", ", images.shape)}]");
}

// Evaluation: the quantized weights are computed once and reused while the mode stays the same.
model.eval();
using (NewDisposeScope())
{
    Tensor output = model.call(randn(1, 3, 32, 32));
    Console.WriteLine($"evaluation: output shape [{string.Join(", ", output.shape)}]");
    bool ok = float.IsFinite(loss) && output.shape.SequenceEqual([1L, 10L]);
    return ok ? 0 : 1;
}
