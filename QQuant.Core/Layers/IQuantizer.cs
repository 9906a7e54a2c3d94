using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// A module that fake-quantizes one tensor (a weight or a layer's input): its forward returns a tensor of the same
/// shape whose values lie on the quantizer's grid, with the gradient rule of its algorithm.
/// </summary>
/// <remarks>
/// Learnable state is held as parameters and fixed state as buffers, with stable names; inside a quantized layer they
/// appear in the state dict under <c>weight_quantizer.</c> and <c>input_quantizer.</c>.
/// </remarks>
public interface IQuantizer : nn.IModule<Tensor, Tensor>
{
    /// <summary>The bit width of the grid, 1..8, or 32 when the tensor is left float.</summary>
    int Bits { get; }
}
