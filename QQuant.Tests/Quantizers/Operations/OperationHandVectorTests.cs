using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Operations;

using Lsq = QQuant.Quantizers.Lsq;

/// <summary>
/// The operations that came with schemes (Conv1d, Conv3d, ConvTranspose2d), each against values computed by hand in
/// float64: the quantized weight and input, the output, and the straight-through gradients.
/// </summary>
public class OperationHandVectorTests
{
    private static QuantLayerSettings Lsq4(ActivationSign sign = ActivationSign.Unsigned) =>
        new(4, 4, new LsqOptions { ActivationSign = sign });

    /// <summary>Initialises an LSQ quantizer, then sets its step to <paramref name="step"/>.</summary>
    private static void SetStep(IQuantizer quantizer, double step)
    {
        var lsq = Assert.IsType<LsqQuantizer>(quantizer);
        using Tensor any = ones(4, dtype: float64);
        lsq.InitializeFrom(any);
        using var noGrad = no_grad();
        lsq.Step.fill_(step);
    }

    [Fact]
    public void Lsq_on_a_conv1d_quantizes_weight_and_input_and_convolves_them()
    {
        using var scope = NewDisposeScope();
        Conv1d conv = nn.Conv1d(1, 1, 2, dtype: float64);
        using (no_grad())
        {
            conv.weight.copy_(Matrix([1, 1, 2], 0.3, -0.7));
            conv.bias!.fill_(0.1);
        }

        var layer = new QuantizedConv1d(conv, Lsq.Instance, Lsq4());
        SetStep(layer.WeightQuantizer, 0.25);
        SetStep(layer.InputQuantizer, 0.5);
        layer.train();
        Tensor x = Matrix([1, 1, 4], 0.2, 1.3, 2.6, 9.0).requires_grad_();

        Tensor y = layer.call(x);
        y.sum().backward();

        // w: 0.3/0.25 = 1.2 -> 1, -0.7/0.25 = -2.8 -> -3; x: 0.4 -> 0, 2.6 -> 3, 5.2 -> 5, 18 -> 15 (clamped).
        Close([0.25, -0.75], layer.QuantizedWeight());
        // y[i] = 0.25 x[i] - 0.75 x[i+1] + 0.1 with x = 0, 1.5, 2.5, 7.5.
        Close([-1.025, -1.4, -4.9], y);
        // dL/dw[k] = sum of the quantized inputs it meets; both codes lie inside the grid.
        Close([4.0, 11.5], layer.weight.grad!);
        Close([3.0], layer.bias!.grad!);
        // dL/dx[j] = the weights that meet it, zero where the input was clamped (18 > 15).
        Close([0.25, -0.5, -0.5, 0.0], x.grad!);
        Assert.Equal("LSQConv1d", layer.GetName());
    }

    [Fact]
    public void Lsq_on_a_transposed_conv2d_stamps_the_quantized_kernel_at_each_quantized_input()
    {
        using var scope = NewDisposeScope();
        ConvTranspose2d deconv = nn.ConvTranspose2d(1, 1, 2, stride: 2, bias: false, dtype: float64);
        using (no_grad())
        {
            deconv.weight.copy_(Matrix([1, 1, 2, 2], 0.3, -0.7, 0.5, 0.1));
        }

        var layer = new QuantizedConvTranspose2d(deconv, Lsq.Instance, Lsq4());
        SetStep(layer.WeightQuantizer, 0.25);
        SetStep(layer.InputQuantizer, 1.0);
        layer.train();
        Tensor x = Matrix([1, 1, 2, 2], 1.0, 2.2, 0.4, 3.0);

        Tensor y = layer.call(x);
        y.sum().backward();

        // Kernel 0.25, -0.75 / 0.5, 0; inputs 1, 2 / 0, 3: each input's 2x2 block is its code times the kernel.
        Close([0.25, -0.75, 0.5, 0.0], layer.QuantizedWeight());
        Close(
            [
                0.25, -0.75, 0.5, -1.5,
                0.5, 0.0, 1.0, 0.0,
                0.0, 0.0, 0.75, -2.25,
                0.0, 0.0, 1.5, 0.0,
            ],
            y);
        Assert.Equal([1L, 1, 4, 4], y.shape);
        // Every kernel element meets every input once: 1 + 2 + 0 + 3.
        Close([6.0, 6.0, 6.0, 6.0], layer.weight.grad!);
        Assert.Equal("LSQConvTranspose2d", layer.GetName());
    }

    [Fact]
    public void A_transposed_conv2d_pads_each_output_dimension_by_its_own_amount()
    {
        using var scope = NewDisposeScope();
        ConvTranspose2d deconv = nn.ConvTranspose2d(1, 1, (2, 2), stride: (2, 2), output_padding: (1, 0), bias: false, dtype: float64);
        var layer = new QuantizedConvTranspose2d(deconv, Lsq.Instance, Lsq4());
        SetStep(layer.WeightQuantizer, 0.25);
        SetStep(layer.InputQuantizer, 1.0);
        layer.eval();

        using Tensor y = layer.call(ones([1, 1, 2, 2], dtype: float64));

        // (2 - 1)·2 + 2 = 4 per dimension, plus 1 row of output padding and no column (PyTorch's shape; TorchSharp
        // 0.107's own layer pads both by the first amount).
        Assert.Equal([1L, 1, 5, 4], y.shape);
        Close(new double[4], y[0, 0, 4]);
    }

    [Fact]
    public void A_transposed_convolution_has_one_weight_scale_per_input_channel()
    {
        using var scope = NewDisposeScope();
        ConvTranspose2d deconv = nn.ConvTranspose2d(2, 3, 2);
        var settings = new QuantLayerSettings(4, 4, new LsqOptions { PerChannelWeights = true });

        var layer = new QuantizedConvTranspose2d(deconv, Lsq.Instance, settings);

        // The weight is [in, out, kH, kW]: dimension 0, where per-channel scales lie, counts input channels.
        Assert.Equal([2L], Assert.IsType<LsqQuantizer>(layer.WeightQuantizer).Step.shape);
    }

    [Fact]
    public void The_8_bit_scheme_on_a_conv3d_rounds_the_weight_to_its_max_abs_grid()
    {
        using var scope = NewDisposeScope();
        Conv3d conv = nn.Conv3d(1, 1, (1, 1, 2), bias: false, dtype: float64);
        using (no_grad())
        {
            conv.weight.copy_(Matrix([1, 1, 1, 1, 2], 1.27, -0.6449));
        }

        var layer = new QuantizedConv3d(conv, EightBit.Instance, new QuantLayerSettings(8, 8, new EightBitOptions { QuantizeInput = false }));
        layer.eval();

        using Tensor y = layer.call(Matrix([1, 1, 1, 1, 3], 1, 2, 3));

        // Scale 1.27/127 = 0.01; -0.6449 -> code -64 -> -0.64. y[i] = 1.27 x[i] - 0.64 x[i+1].
        Close([1.27, -0.64], layer.QuantizedWeight(), 1e-12);
        Close([-0.01, 0.62], y, 1e-12);
        Assert.Equal("EightBitConv3d", layer.GetName());
    }
}
