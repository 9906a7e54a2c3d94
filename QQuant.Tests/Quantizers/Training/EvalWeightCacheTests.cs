using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Training;

/// <summary>
/// The quantized weight kept in evaluation mode: computed once under no_grad, dropped by a mode switch, a move, a
/// loaded checkpoint or InvalidateQuantizedWeight, and never used when the weight needs a gradient.
/// </summary>
public sealed class EvalWeightCacheTests
{
    /// <summary>Rounds to quarters (straight-through) and counts how often it runs.</summary>
    private sealed class CountingQuantizer : Quantizer
    {
        public CountingQuantizer(int bits) : base(nameof(CountingQuantizer), bits) => RegisterComponents();

        public int Calls { get; private set; }

        public override Tensor forward(Tensor input)
        {
            Calls++;
            using var scope = NewDisposeScope();
            Tensor quarters = (input * 4).round() / 4;
            return (input + (quarters - input).detach()).MoveToOuterDisposeScope();
        }
    }

    /// <summary>A linear layer whose weight goes through a <see cref="CountingQuantizer"/>; the input stays float.</summary>
    private sealed class CountingLinear : QuantizedLinear, IQuantizedLayer<CountingLinear>
    {
        public CountingLinear(Linear source, QuantLayerSettings settings)
            : base(nameof(CountingLinear), source, settings, () => new CountingQuantizer(settings.WeightBits), () => new IdentityQuantizer())
        {
        }

        public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

        public static CountingLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
            new((Linear)source, settings);

        public int Calls => ((CountingQuantizer)WeightQuantizer).Calls;
    }

    // Linear(3, 2) quantized by policy into a CountingLinear, at "0" of a Sequential.
    private static (Sequential Model, CountingLinear Layer) Counting(ScalarType dtype = ScalarType.Float64)
    {
        Sequential model = nn.Sequential(nn.Linear(3, 2, dtype: dtype));
        Reinitialize(model, 21);
        model.Quantize(QuantPolicy.For<Linear>().Use<CountingLinear>(4, 4));
        return (model, (CountingLinear)model.children().Single());
    }

    // linear(x, round(4W)/4, b), written out with plain loops.
    private static double[] ByHand(Tensor x, QuantizedLayer layer)
    {
        double[][] w = Rows(layer.weight).Select(r => r.Select(v => Math.Round(4 * v, MidpointRounding.ToEven) / 4).ToArray()).ToArray();
        double[] b = Values(layer.bias!);
        return Rows(x).SelectMany(row => w.Select((wo, o) => row.Zip(wo, (xi, wi) => xi * wi).Sum() + b[o])).ToArray();
    }

    private static Tensor Input(ulong seed = 22, ScalarType dtype = ScalarType.Float64) => Normal(seed, dtype, 4, 3);

    [Fact]
    public void In_eval_mode_under_no_grad_the_weight_is_quantized_once_for_several_forwards()
    {
        using var scope = NewDisposeScope();
        var (model, layer) = Counting();
        model.eval();
        Tensor x = Input();

        Tensor[] outputs;
        using (no_grad())
        {
            outputs = [model.call(x), model.call(x), model.call(x)];
        }

        Assert.Equal(1, layer.Calls);
        Close(ByHand(x, layer), outputs[0], 1e-12);
        Identical(outputs[0], outputs[1]);
        Identical(outputs[0], outputs[2]);
    }

    [Fact]
    public void In_training_mode_the_weight_is_quantized_on_every_forward()
    {
        using var scope = NewDisposeScope();
        var (model, layer) = Counting();
        model.train();

        using (no_grad())
        {
            model.call(Input());
            model.call(Input());
        }

        Assert.Equal(2, layer.Calls);
    }

    [Fact]
    public void Switching_to_train_and_back_to_eval_drops_the_kept_weight()
    {
        using var scope = NewDisposeScope();
        var (model, layer) = Counting();
        model.eval();
        using var noGrad = no_grad();

        model.call(Input());
        model.train();
        model.eval();
        model.call(Input());
        model.call(Input());

        Assert.Equal(2, layer.Calls);
    }

    [Fact]
    public void A_weight_changed_in_place_is_seen_only_after_InvalidateQuantizedWeight()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(nn.Linear(3, 2, dtype: float64));
        Reinitialize(model, 23);
        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        var layer = (QuantizedLinear)model.children().Single();
        QuantCalibration.Calibrate(model, [Normal(24, float64, 8, 3)]);
        model.eval();
        Tensor x = Input();
        using var noGrad = no_grad();
        Tensor before = model.call(x);

        layer.weight.mul_(-3.0);
        Tensor stale = model.call(x);
        layer.InvalidateQuantizedWeight();
        Tensor fresh = model.call(x);

        // Kept weight: the old output exactly (documented: call InvalidateQuantizedWeight after an in-place change).
        Identical(before, stale);
        // After dropping it: the quantized computation of the new weight, here the same layer run without the cache
        // (gradients enabled and the weight requires grad, so the weight is quantized on the spot).
        Tensor uncached;
        using (enable_grad())
        {
            uncached = model.call(x).detach();
        }

        Identical(uncached, fresh);
        Assert.False(before.eq(fresh).all().ToBoolean(), "the new weight did not change the output");
    }

    [Fact]
    public void Moving_to_float64_drops_the_kept_weight()
    {
        using var scope = NewDisposeScope();
        var (model, layer) = Counting(ScalarType.Float32);
        model.eval();
        using var noGrad = no_grad();
        Tensor first = model.call(Input(22, ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, first.dtype);

        model.to(float64);
        Tensor x = Input(25);
        Tensor y = model.call(x);

        Assert.Equal(2, layer.Calls);
        Assert.Equal(float64, y.dtype);
        Close(ByHand(x, layer), y, 1e-12);
    }

    // TorchSharp's load_state_dict copies into the existing tensors without telling the layers, so the documented way
    // is to set the mode after loading, as one does anyway.
    [Fact]
    public void Setting_the_mode_after_loading_a_checkpoint_drops_the_kept_weight()
    {
        using var scope = NewDisposeScope();
        var (model, layer) = Counting();
        var (other, otherLayer) = Counting();
        Reinitialize(other, 26);
        model.eval();
        Tensor x = Input();
        using var noGrad = no_grad();
        model.call(x);

        model.load_state_dict(other.state_dict());
        model.eval();
        Tensor y = model.call(x);

        Assert.Equal(2, layer.Calls);
        Close(ByHand(x, otherLayer), y, 1e-12);
    }

    [Fact]
    public void With_gradients_enabled_the_weight_is_quantized_every_time_and_gets_its_gradient_in_eval_mode()
    {
        using var scope = NewDisposeScope();
        var (model, layer) = Counting();
        model.eval();
        Tensor x = Input();
        Tensor g = Normal(27, float64, 4, 2);

        model.call(x);
        Tensor y = model.call(x);
        (y * g).sum().backward();

        Assert.Equal(2, layer.Calls);
        Assert.NotNull(layer.weight.grad);
        // Straight-through: dL/dW[o, i] = Σ_n g[n, o]·x[n, i], by loops.
        double[][] xs = Rows(x), gs = Rows(g);
        double[] expected = Enumerable.Range(0, 2)
            .SelectMany(o => Enumerable.Range(0, 3).Select(i => xs.Select((row, n) => gs[n][o] * row[i]).Sum()))
            .ToArray();
        Close(expected, layer.weight.grad!, 1e-12);
    }

    [Fact]
    public void A_frozen_weight_with_a_stateless_quantizer_is_kept_even_with_gradients_enabled()
    {
        using var scope = NewDisposeScope();
        var (model, layer) = Counting();
        layer.weight.requires_grad_(false);
        model.eval();

        model.call(Input());
        model.call(Input());

        Assert.Equal(1, layer.Calls);
    }

    [Fact]
    public void A_frozen_weight_with_a_learnable_step_is_not_kept_so_the_step_gets_its_gradient()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(nn.Linear(3, 2, dtype: float64));
        Reinitialize(model, 28);
        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        var layer = (QuantizedLinear)model.children().Single();
        QuantCalibration.Calibrate(model, [Normal(29, float64, 8, 3)]);
        layer.weight.requires_grad_(false);
        model.eval();

        model.call(Input()).sum().backward();
        model.call(Input()).sum().backward();

        Tensor? grad = ((LsqQuantizer)layer.WeightQuantizer).Step.grad;
        Assert.NotNull(grad);
        Assert.True(grad!.abs().sum().ToDouble() > 0, "the weight step got no gradient in eval mode");
        Assert.Null(layer.weight.grad);
    }
}
