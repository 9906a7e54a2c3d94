using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;

// Loads TorchSharp through QQuant (a clear error if it cannot), says whether the native library needed the patch,
// then quantizes a TorchVision resnet18 with a fluent policy (LSQ inside, 8 bits at the ends), prints the report,
// calibrates the quantizers on random batches and runs one forward pass in evaluation mode.
TorchEnvironment.EnsureLoaded();
NativeLibraryReport native = TorchEnvironment.InspectNativeLibrary();
Console.WriteLine($"consumer: native library {native.State}: {native.Summary}");

QuantPolicy policy = QuantPolicy
    .For<Conv2d>().Use<LSQConv>(w: 4, a: 4)
    .For<Linear>().Use<EightBitLinear>(w: 8, a: 8)
    .Override("conv1", r => r.Use<EightBitConv>(w: 8, a: 8, o => o.QuantizeInput = false))
    .Except("layer4.1.conv2");

using var model = torchvision.models.resnet18(num_classes: 10);
QuantizationReport report = model.Quantize(policy);
Console.WriteLine(report);

// resnet18: 20 convolutions and one linear layer; one conv is excepted.
int quantized = report.Count(QuantDecision.Quantized);
if (quantized != 20 || report.Count(QuantDecision.Excepted) != 1)
{
    Console.Error.WriteLine($"consumer: expected 20 quantized and 1 excepted layers, got {report.Summary}");
    return 1;
}

CalibrationSummary calibrated = QuantCalibration.Calibrate(model, Enumerable.Range(0, 2).Select(_ => torch.randn(4, 3, 32, 32)));
Console.WriteLine($"consumer: calibrated {calibrated.Quantizers} quantizers on {calibrated.Batches} batches");
model.eval();
using torch.Tensor logits = model.call(torch.randn(1, 3, 32, 32));
Console.WriteLine($"consumer: libtorch {torch.__version__}, quantized resnet18 output shape [{string.Join(", ", logits.shape)}]");
return logits.shape.SequenceEqual(new long[] { 1, 10 }) ? 0 : 1;
