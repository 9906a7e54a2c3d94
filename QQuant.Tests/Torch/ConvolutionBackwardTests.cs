using static TorchSharp.torch;

namespace QQuant.Tests.Torch;

/// <summary>
/// libtorch's convolution backward reached through TorchScript (<see cref="ConvolutionBackward"/>) gives autograd's
/// gradients of <c>conv2d</c>, also while garbage collections run beside it: TorchSharp 0.107's <c>invoke</c> does not
/// keep number arguments alive, and a full benchmark once aborted there ("Scalar::toLong ... Expected false to be true").
/// With the numbers passed as Scalars this test failed two runs in three.
/// </summary>
public class ConvolutionBackwardTests
{
    [Fact]
    public void Gives_autograds_gradients_under_constant_garbage_collection()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        Tensor input = randn([2, 4, 9, 7], generator: generator).requires_grad_();
        Tensor weight = randn([6, 2, 3, 3], generator: generator).requires_grad_();
        Tensor bias = randn([6], generator: generator).requires_grad_();
        var geometry = new ConvolutionGeometry([2, 1], [1, 2], [1, 2], 2);
        Tensor output = nn.functional.conv2d(input, weight, bias, geometry.Stride, geometry.Padding, geometry.Dilation, geometry.Groups);
        Tensor gradient = randn(output.shape, generator: generator);
        output.backward([gradient]);

        bool stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        try
        {
            for (int i = 0; i < 500; i++)
            {
                using var round = NewDisposeScope();
                (Tensor? gi, Tensor? gw, Tensor? gb) = ConvolutionBackward.Compute(
                    gradient, input.detach(), weight.detach(), geometry, inputGradient: true, weightGradient: true, biasGradient: i % 2 == 0);

                Assert.True(gi!.allclose(input.grad!, rtol: 1e-5, atol: 1e-5), $"round {i}: input gradient");
                Assert.True(gw!.allclose(weight.grad!, rtol: 1e-5, atol: 1e-5), $"round {i}: weight gradient");
                if (i % 2 == 0)
                {
                    Assert.True(gb!.allclose(bias.grad!, rtol: 1e-5, atol: 1e-5), $"round {i}: bias gradient");
                }
                else
                {
                    Assert.Null(gb);
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
    }
}
