using QQuant;
using TorchSharp;

// Loads TorchSharp through QQuant (a clear error if it cannot), says whether the native library needed the patch,
// and checks one tensor operation against a value computed by hand: 0+1+2+3+4+5 = 15.
TorchEnvironment.EnsureLoaded();
NativeLibraryReport native = TorchEnvironment.InspectNativeLibrary();
Console.WriteLine($"consumer: native library {native.State}: {native.Summary}");

using torch.Tensor numbers = torch.arange(6, dtype: torch.float32);
float sum = numbers.sum().item<float>();
if (sum != 15f)
{
    Console.Error.WriteLine($"consumer: sum(arange(6)) gave {sum}, expected 15");
    return 1;
}

Console.WriteLine($"consumer: libtorch {torch.__version__} computed sum(arange(6)) = {sum}");
return 0;
