using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers;

public class EightBitLayerTests
{
    private static readonly string[] InputQuantizerState =
        ["input_quantizer.running_max", "input_quantizer.initialized", "input_quantizer.signed"];

    private static QuantLayerSettings Settings(int w, int a, Action<EightBitOptions>? configure = null)
    {
        var options = new EightBitOptions();
        configure?.Invoke(options);
        return new QuantLayerSettings(w, a, options);
    }

    /// <summary>The convolutions the exactness tests compare; every one is built the way its name says.</summary>
    public static TheoryData<string> ConvShapes() =>
    [
        "plain",
        "stride 2",
        "padding 1",
        "dilation 2",
        "groups 2",
        "depthwise",
        "no bias",
        "reflect",
        "circular",
        "replicate",
        "same",
        "same dilated",
        "same even kernel",
        "same reflect",
        "same even kernel replicate",
        "valid",
        "valid circular",
        "rectangular",
        "everything",
    ];

    private static Conv2d MakeConv(string shape, ScalarType dtype) => shape switch
    {
        "plain" => nn.Conv2d(4, 6, 3, dtype: dtype),
        "stride 2" => nn.Conv2d(4, 6, 3, stride: 2, dtype: dtype),
        "padding 1" => nn.Conv2d(4, 6, 3, padding: 1, dtype: dtype),
        "dilation 2" => nn.Conv2d(4, 6, 3, dilation: 2, dtype: dtype),
        "groups 2" => nn.Conv2d(4, 6, 3, groups: 2, dtype: dtype),
        "depthwise" => nn.Conv2d(4, 4, 3, padding: 1, groups: 4, dtype: dtype),
        "no bias" => nn.Conv2d(4, 6, 3, bias: false, dtype: dtype),
        "reflect" => nn.Conv2d(4, 6, 3, padding: 1, padding_mode: PaddingModes.Reflect, dtype: dtype),
        "circular" => nn.Conv2d(4, 6, 3, padding: 2, padding_mode: PaddingModes.Circular, dtype: dtype),
        "replicate" => nn.Conv2d(4, 6, 3, padding: 1, padding_mode: PaddingModes.Replicate, dtype: dtype),
        "same" => nn.Conv2d(4, 4, 3, padding: Padding.Same, dtype: dtype),
        "same dilated" => nn.Conv2d(4, 4, 3, padding: Padding.Same, dilation: 2, dtype: dtype),
        "same even kernel" => nn.Conv2d(4, 4, 4, padding: Padding.Same, dtype: dtype),
        "same reflect" => nn.Conv2d(4, 4, 3, padding: Padding.Same, padding_mode: PaddingModes.Reflect, dtype: dtype),
        "same even kernel replicate" =>
            nn.Conv2d(4, 4, 4, padding: Padding.Same, padding_mode: PaddingModes.Replicate, dtype: dtype),
        "valid" => nn.Conv2d(4, 6, 3, padding: Padding.Valid, dtype: dtype),
        "valid circular" => nn.Conv2d(4, 6, 3, padding: Padding.Valid, padding_mode: PaddingModes.Circular, dtype: dtype),
        "rectangular" => nn.Conv2d(4, 6, (3, 5), stride: (2, 1), padding: (1, 2), dilation: (1, 2), dtype: dtype),
        "everything" => nn.Conv2d(4, 6, 3, stride: 2, padding: 2, dilation: 2, padding_mode: PaddingModes.Reflect,
            groups: 2, bias: false, dtype: dtype),
        _ => throw new ArgumentException(shape),
    };

    private static Tensor Input(ScalarType dtype, ulong seed, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, dtype: dtype, generator: generator);
    }

    /// <summary>
    /// The quantizers a layer with <paramref name="settings"/> should hold, built by hand: a max-abs weight quantizer and
    /// one running-maximum input quantizer, which must see the same calls in the same mode as the layer's to hold the
    /// same state.
    /// </summary>
    private sealed class ByHand(QuantLayerSettings settings)
    {
        private readonly RunningMaxAbsQuantizer? _input = settings.QuantizesInput
            ? new RunningMaxAbsQuantizer(
                settings.ActivationBits, settings.Options.ActivationSign, ((EightBitOptions)settings.Options).InputMomentum)
            : null;

        public Tensor Weight(Tensor w) =>
            settings.QuantizesWeight ? new MaxAbsQuantizer(settings.WeightBits, signed: true, settings.Options.PerChannelWeights).call(w) : w;

        public Tensor Input(Tensor x) => _input is null ? x : _input.call(x);

        public void Eval() => _input?.eval();

        /// <summary>The straight-through input gradient: <paramref name="g"/> where <c>Qn ≤ x/s ≤ Qp</c>, 0 where x was clipped.</summary>
        public Tensor InputGradient(Tensor x, Tensor g)
        {
            if (_input is null)
            {
                return g;
            }

            using Tensor s = _input.Scale();
            Tensor v = x.detach() / s;
            IntegerRange range = _input.Range;
            return where(v.ge(range.Min).logical_and(v.le(range.Max)), g, zeros_like(g));
        }
    }

    public static TheoryData<int, int, bool, ActivationSign, bool> SettingsCases() => new()
    {
        { 8, 8, false, ActivationSign.Auto, true },
        { 8, 8, true, ActivationSign.Signed, true },
        { 4, 4, true, ActivationSign.Auto, true },
        { 2, 3, false, ActivationSign.Unsigned, true },
        { 3, 1, true, ActivationSign.Unsigned, true },
        { 8, 8, false, ActivationSign.Auto, false },
        { 5, 32, false, ActivationSign.Auto, true },
        { 32, 4, false, ActivationSign.Auto, true },
    };

    // ---------------------------------------------------------------------------------------------------------------
    // Forward.
    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(SettingsCases))]
    public void EightBitConv_computes_conv2d_of_the_quantized_input_and_weight(
        int w, int a, bool perChannel, ActivationSign sign, bool quantizeInput)
    {
        using var scope = NewDisposeScope();
        QuantLayerSettings settings = Settings(w, a, o =>
        {
            o.PerChannelWeights = perChannel;
            o.ActivationSign = sign;
            o.QuantizeInput = quantizeInput;
        });
        using Conv2d conv = nn.Conv2d(3, 5, 3, stride: 2, padding: 1, dtype: float64);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, settings);
        var hand = new ByHand(settings);

        // A training call (it initialises the input's running maximum), then evaluation on a batch three times as
        // wide, which the fixed maximum clips.
        foreach (Tensor x in new[] { Input(float64, 1, 2, 3, 8, 8), Input(float64, 21, 3, 3, 8, 8) * 3 })
        {
            Tensor expected = nn.functional.conv2d(hand.Input(x), hand.Weight(conv.weight), conv.bias, [2, 2], [1, 1], [1, 1], 1);
            Identical(expected, layer.call(x));
            layer.eval();
            hand.Eval();
        }
    }

    [Theory]
    [MemberData(nameof(SettingsCases))]
    public void EightBitLinear_computes_linear_of_the_quantized_input_and_weight(
        int w, int a, bool perChannel, ActivationSign sign, bool quantizeInput)
    {
        using var scope = NewDisposeScope();
        QuantLayerSettings settings = Settings(w, a, o =>
        {
            o.PerChannelWeights = perChannel;
            o.ActivationSign = sign;
            o.QuantizeInput = quantizeInput;
        });
        using Linear linear = nn.Linear(6, 4, dtype: float64);
        using var layer = new QuantizedLinear(linear, EightBit.Instance, settings);
        var hand = new ByHand(settings);

        Tensor Expected(Tensor x) => nn.functional.linear(hand.Input(x), hand.Weight(linear.weight), linear.bias);

        // Two training calls (the first initialises the input's running maximum, the second moves it), then evaluation.
        foreach (Tensor x in new[] { Input(float64, 2, 5, 6), Input(float64, 3, 2, 3, 6) * 2 })
        {
            Identical(Expected(x), layer.call(x));
        }

        layer.eval();
        hand.Eval();
        Tensor evaluated = Input(float64, 4, 4, 6) * 3;
        Identical(Expected(evaluated), layer.call(evaluated));
    }

    [Fact]
    public void The_8_bit_layers_actually_change_the_result()
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(3, 5, 3, dtype: float64);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8));
        Tensor x = Input(float64, 4, 1, 3, 6, 6);

        Tensor floatOut = conv.call(x);
        Tensor quantOut = layer.call(x);

        double difference = (floatOut - quantOut).abs().max().ToDouble();
        Assert.True(difference > 0, "8-bit quantization should move the output");
        Assert.True(difference < 0.05 * floatOut.abs().max().ToDouble(), $"8-bit error too large: {difference}");
    }

    [Theory]
    [MemberData(nameof(ConvShapes))]
    public void EightBitConv_uses_the_float_layers_geometry_on_the_quantized_tensors(string shape)
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = MakeConv(shape, float64);
        var settings = Settings(4, 6, o => o.PerChannelWeights = true);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, settings);
        Tensor x = Input(float64, 5, 2, 4, 9, 10);
        var hand = new ByHand(settings);
        Tensor qx = hand.Input(x);
        Tensor qw = hand.Weight(conv.weight).detach();

        Tensor actual = layer.call(x);
        using (no_grad())
        {
            conv.weight.copy_(qw);
        }

        // The float layer, given the quantized weight, run on the quantized input.
        Tensor expected = conv.call(qx);
        Identical(expected, actual);
    }

    [Theory]
    [MemberData(nameof(ConvShapes))]
    public void EightBitConv_at_32_bits_equals_the_float_conv_exactly(string shape)
    {
        foreach (ScalarType dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            using var scope = NewDisposeScope();
            using Conv2d conv = MakeConv(shape, dtype);
            using var layer = new QuantizedConv2d(conv, EightBit.Instance, Settings(32, 32));
            Tensor x = Input(dtype, 6, 2, 4, 9, 10);

            Assert.IsType<IdentityQuantizer>(layer.WeightQuantizer);
            Assert.IsType<IdentityQuantizer>(layer.InputQuantizer);
            Identical(conv.call(x), layer.call(x));
        }
    }

    [Fact]
    public void Same_padding_with_a_padding_mode_pads_each_dimension_for_its_own_kernel_size()
    {
        using var scope = NewDisposeScope();
        // Kernel (3, 2), 'same': height needs 2 rows of padding (1 + 1), width 1 column (0 left, 1 right), so F.pad
        // (last dimension first) gets [0, 1, 1, 1]. The quantized layer does this, as PyTorch does. TorchSharp 0.107's
        // own Conv2d does not: it fills its padding array without reversing the dimensions, pads the width by (1, 1)
        // and the height by (0, 1), and returns 5x8 for a 6x7 input, so the float layer is no reference here.
        using Conv2d conv = nn.Conv2d(2, 3, (3, 2), padding: Padding.Same, padding_mode: PaddingModes.Reflect, dtype: float64);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, Settings(32, 32));
        Tensor x = Input(float64, 17, 1, 2, 6, 7);

        Tensor actual = layer.call(x);

        Tensor padded = nn.functional.pad(x, [0, 1, 1, 1], PaddingModes.Reflect);
        Tensor expected = nn.functional.conv2d(padded, conv.weight, conv.bias, [1, 1], [0, 0], [1, 1], 1);
        Assert.Equal(new long[] { 1, 3, 6, 7 }, actual.shape);
        Identical(expected, actual);
    }

    [Fact]
    public void A_quantized_layer_follows_to_a_new_dtype()
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(3, 4, 3, dtype: float64);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8));

        layer.to(ScalarType.Float32);

        Assert.Equal(ScalarType.Float32, layer.weight.dtype);
        Assert.Equal(ScalarType.Float32, layer.bias!.dtype);
        Assert.All(layer.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Equal(layer.parameters().First().Handle, layer.weight.Handle);
        Tensor y = layer.call(Input(ScalarType.Float32, 18, 1, 3, 5, 5));
        Assert.Equal(ScalarType.Float32, y.dtype);
    }

    [Fact]
    public void EightBitLinear_at_32_bits_equals_the_float_linear_exactly()
    {
        foreach (bool bias in new[] { true, false })
        {
            using var scope = NewDisposeScope();
            using Linear linear = nn.Linear(7, 3, hasBias: bias, dtype: float64);
            using var layer = new QuantizedLinear(linear, EightBit.Instance, Settings(32, 32));
            Tensor x = Input(float64, 7, 4, 2, 7);

            Identical(linear.call(x), layer.call(x));
        }
    }

    [Fact]
    public void Without_input_quantization_the_input_reaches_the_convolution_untouched()
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(3, 4, 3, padding: 1, dtype: float64);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8, o => o.QuantizeInput = false));
        Tensor x = Input(float64, 8, 2, 3, 5, 5);
        Tensor before = x.clone();

        Tensor actual = layer.call(x);

        Assert.IsType<IdentityQuantizer>(layer.InputQuantizer);
        Assert.IsType<MaxAbsQuantizer>(layer.WeightQuantizer);
        Assert.False(layer.Settings.QuantizesInput);
        Identical(before, x);
        Tensor qw = new MaxAbsQuantizer(8, signed: true, perChannel: false).call(conv.weight);
        Identical(nn.functional.conv2d(x, qw, conv.bias, [1, 1], [1, 1], [1, 1], 1), actual);
        // With the input quantized the result is different, so the test above would notice a quantized input.
        using var quantizing = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8));
        Assert.False(quantizing.call(x).eq(actual).all().ToBoolean());
    }

    [Fact]
    public void A_quantized_forward_leaves_its_input_unchanged()
    {
        using var scope = NewDisposeScope();
        using Linear linear = nn.Linear(4, 2, dtype: float64);
        using var layer = new QuantizedLinear(linear, EightBit.Instance, Settings(2, 2, o => o.ActivationSign = ActivationSign.Unsigned));
        Tensor x = Input(float64, 9, 3, 4);
        Tensor before = x.clone();

        layer.call(x);

        Identical(before, x);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Construction: quantizers, copies, dtype, names, requires_grad, hyper-parameters.
    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(8, 8, false, ActivationSign.Auto, true, 0.1)]
    [InlineData(4, 2, true, ActivationSign.Unsigned, false, 0.5)]
    [InlineData(2, 1, false, ActivationSign.Unsigned, false, 1.0)]
    [InlineData(3, 5, true, ActivationSign.Signed, true, 0.01)]
    public void The_layers_hold_the_quantizers_their_settings_ask_for(
        int w, int a, bool perChannel, ActivationSign sign, bool signedInput, double momentum)
    {
        QuantLayerSettings settings = Settings(w, a, o =>
        {
            o.PerChannelWeights = perChannel;
            o.ActivationSign = sign;
            o.InputMomentum = momentum;
        });
        using Conv2d conv = nn.Conv2d(2, 2, 1);
        using Linear linear = nn.Linear(2, 2);
        using var convLayer = new QuantizedConv2d(conv, EightBit.Instance, settings);
        using var linearLayer = new QuantizedLinear(linear, EightBit.Instance, settings);
        using Tensor dataWithNegatives = Input(ScalarType.Float32, 19, 4, 2);

        foreach (IQuantizedLayer layer in new IQuantizedLayer[] { convLayer, linearLayer })
        {
            Assert.Same(settings, layer.Settings);
            var weight = Assert.IsType<MaxAbsQuantizer>(layer.WeightQuantizer);
            Assert.Equal(w, weight.Bits);
            Assert.True(weight.Signed);
            Assert.Equal(perChannel, weight.PerChannel);
            var input = Assert.IsType<RunningMaxAbsQuantizer>(layer.InputQuantizer);
            Assert.Equal(a, input.Bits);
            Assert.Equal(sign, input.Sign);
            Assert.Equal(momentum, input.Momentum);
            Assert.False(input.PerChannel);
            Assert.False(input.IsInitialized);

            // The grid's sign once initialised on data with negative values: Auto and Signed take the symmetric one.
            input.InitializeFrom(dataWithNegatives);
            Assert.Equal(signedInput, input.IsSigned);
            Assert.Equal(IntegerRange.Of(a, signedInput), input.Range);
        }
    }

    [Fact]
    public void EightBitConv_copies_every_hyper_parameter()
    {
        using Conv2d conv = nn.Conv2d(4, 6, (3, 5), stride: (2, 1), padding: (1, 2), dilation: (1, 2), groups: 2,
            padding_mode: PaddingModes.Circular);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8));
        using Conv2d same = nn.Conv2d(4, 4, 3, padding: Padding.Same);
        using var sameLayer = new QuantizedConv2d(same, EightBit.Instance, Settings(8, 8));

        Assert.Equal(4, layer.InChannels);
        Assert.Equal(6, layer.OutChannels);
        Assert.Equal([3L, 5L], layer.KernelSize);
        Assert.Equal([2L, 1L], layer.Stride);
        Assert.Equal([1L, 2L], layer.PaddingSize!);
        Assert.Null(layer.PaddingType);
        Assert.Equal([1L, 2L], layer.Dilation);
        Assert.Equal(2, layer.Groups);
        Assert.Equal(PaddingModes.Circular, layer.PaddingMode);
        Assert.Null(sameLayer.PaddingSize);
        Assert.Equal(Padding.Same, sameLayer.PaddingType);
    }

    [Fact]
    public void EightBitLinear_copies_its_sizes()
    {
        using Linear linear = nn.Linear(7, 3);
        using var layer = new QuantizedLinear(linear, EightBit.Instance, Settings(8, 8));

        Assert.Equal(7, layer.InFeatures);
        Assert.Equal(3, layer.OutFeatures);
    }

    [Fact]
    public void Weight_and_bias_are_copies_not_aliases()
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(3, 4, 3, dtype: float64);
        using Linear linear = nn.Linear(5, 2, dtype: float64);
        using var convLayer = new QuantizedConv2d(conv, EightBit.Instance, Settings(32, 32));
        using var linearLayer = new QuantizedLinear(linear, EightBit.Instance, Settings(8, 8));
        Tensor convWeight = convLayer.weight.detach().clone();
        Tensor convBias = convLayer.bias!.detach().clone();
        Tensor linearWeight = linearLayer.weight.detach().clone();
        Tensor linearBias = linearLayer.bias!.detach().clone();
        Identical(conv.weight.detach(), convWeight);
        Identical(linear.bias!.detach(), linearBias);
        Tensor x = Input(float64, 10, 1, 3, 5, 5);
        Tensor before = convLayer.call(x);

        using (no_grad())
        {
            conv.weight.add_(1);
            conv.bias!.mul_(-3);
            linear.weight.add_(1);
            linear.bias!.add_(1);
        }

        Identical(convWeight, convLayer.weight.detach());
        Identical(convBias, convLayer.bias!.detach());
        Identical(linearWeight, linearLayer.weight.detach());
        Identical(linearBias, linearLayer.bias!.detach());
        Identical(before, convLayer.call(x));
        Assert.NotEqual(conv.weight.Handle, convLayer.weight.Handle);

        // And the other way round: training the quantized layer leaves the float module alone.
        Tensor floatWeight = conv.weight.detach().clone();
        using (no_grad())
        {
            convLayer.weight.add_(5);
        }

        Identical(floatWeight, conv.weight.detach());
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void The_layers_keep_the_dtype_names_and_requires_grad_of_the_float_module(ScalarType dtype)
    {
        using Conv2d conv = nn.Conv2d(3, 4, 3, dtype: dtype);
        using Linear linear = nn.Linear(5, 2, dtype: dtype);
        conv.weight.requires_grad_(false);
        linear.bias!.requires_grad_(false);

        using var convLayer = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8));
        using var linearLayer = new QuantizedLinear(linear, EightBit.Instance, Settings(8, 8));

        Assert.Equal(dtype, convLayer.weight.dtype);
        Assert.Equal(dtype, convLayer.bias!.dtype);
        Assert.Equal(dtype, linearLayer.weight.dtype);
        Assert.Equal(dtype, linearLayer.bias!.dtype);
        Assert.False(convLayer.weight.requires_grad);
        Assert.True(convLayer.bias!.requires_grad);
        Assert.True(linearLayer.weight.requires_grad);
        Assert.False(linearLayer.bias!.requires_grad);
        Assert.Equal(["weight", "bias"], convLayer.named_parameters().Select(p => p.name));
        Assert.Equal(["weight", "bias"], linearLayer.named_parameters().Select(p => p.name));
        // The weight's max-abs quantizer has no state; the input's running maximum has buffers and no parameter.
        Assert.Equal(conv.state_dict().Keys.Concat(InputQuantizerState).Order(), convLayer.state_dict().Keys.Order());
        Assert.Equal(linear.state_dict().Keys.Concat(InputQuantizerState).Order(), linearLayer.state_dict().Keys.Order());
        Assert.Equal(["input_quantizer", "weight_quantizer"], convLayer.named_children().Select(c => c.name).Order());
        Assert.Equal(nameof(EightBitConv), convLayer.GetName());
        Assert.Equal(nameof(EightBitLinear), linearLayer.GetName());
    }

    [Fact]
    public void A_layer_without_bias_has_only_a_weight()
    {
        using Conv2d conv = nn.Conv2d(3, 4, 3, bias: false);
        using Linear linear = nn.Linear(5, 2, hasBias: false);
        using var convLayer = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8));
        using var linearLayer = new QuantizedLinear(linear, EightBit.Instance, Settings(8, 8));

        Assert.Null(convLayer.bias);
        Assert.Null(linearLayer.bias);
        Assert.Equal(["weight"], convLayer.named_parameters().Select(p => p.name));
        Assert.Equal(["weight"], linearLayer.named_parameters().Select(p => p.name));
        Assert.Equal(InputQuantizerState.Prepend("weight").Order(), linearLayer.state_dict().Keys.Order());
    }

    [Fact]
    public void A_float_checkpoint_loads_into_the_quantized_layer_by_name()
    {
        using var scope = NewDisposeScope();
        using Conv2d source = nn.Conv2d(3, 4, 3, dtype: float64);
        using Conv2d other = nn.Conv2d(3, 4, 3, dtype: float64);
        using var layer = new QuantizedConv2d(source, EightBit.Instance, Settings(8, 8));

        var (missing, unexpected) = layer.load_state_dict(other.state_dict(), strict: false);

        // Only the input quantizer's state is missing, and it stays uninitialised: a float checkpoint calibrates nothing.
        Assert.Equal(InputQuantizerState.Order(), missing.Order());
        Assert.Empty(unexpected);
        Identical(other.weight.detach(), layer.weight.detach());
        Identical(other.bias!.detach(), layer.bias!.detach());
        Assert.False(Assert.IsType<RunningMaxAbsQuantizer>(layer.InputQuantizer).IsInitialized);
    }

    [Theory]
    [InlineData(8, false)]
    [InlineData(3, true)]
    [InlineData(32, false)]
    public void QuantizedWeight_returns_the_quantized_weight_detached(int bits, bool perChannel)
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(3, 4, 3, dtype: float64);
        using Linear linear = nn.Linear(5, 3, dtype: float64);
        var settings = Settings(bits, 8, o => o.PerChannelWeights = perChannel);
        using var convLayer = new QuantizedConv2d(conv, EightBit.Instance, settings);
        using var linearLayer = new QuantizedLinear(linear, EightBit.Instance, settings);
        var hand = new ByHand(settings);

        foreach (QuantizedLayer layer in new QuantizedLayer[] { convLayer, linearLayer })
        {
            Tensor expected = hand.Weight(layer.weight).detach();
            Tensor quantized = layer.QuantizedWeight();

            Identical(expected, quantized);
            Assert.False(quantized.requires_grad);
            Assert.NotEqual(layer.weight.Handle, quantized.Handle);

            // The caller owns it: changing it does not reach the layer.
            Tensor weightBefore = layer.weight.detach().clone();
            quantized.add_(100);
            Identical(weightBefore, layer.weight.detach());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Setting validation.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_policy_asking_for_1_bit_weights_is_rejected_naming_the_rule()
    {
        var error = Assert.Throws<QuantPolicyException>(() => QuantPolicy.For<Conv2d>().Use<EightBitConv>(1, 8).Build());

        string problem = Assert.Single(error.Problems);
        Assert.Contains("For<Conv2d>()", problem);
        Assert.Contains("EightBitConv weights:", problem);
        Assert.Contains("at least 2 bits", problem);
        Assert.Contains("(w: 1)", problem);
        Assert.Contains("For<Conv2d>()", error.Message);
    }

    [Fact]
    public void A_policy_asking_for_a_1_bit_signed_input_is_rejected_naming_the_rule()
    {
        var error = Assert.Throws<QuantPolicyException>(() =>
            QuantPolicy.For<Linear>().Use<EightBitLinear>(8, 1).Override("head", r => r.Use<EightBitLinear>(1, 1)).Build());

        Assert.Contains(error.Problems, p => p.Contains("For<Linear>()") && p.Contains("EightBitLinear inputs (Auto):") && p.Contains("(a: 1)")
                                         && p.Contains("set activationSign to Unsigned"));
        Assert.Contains(error.Problems, p => p.Contains("Override(\"head\")") && p.Contains("EightBitLinear weights:") && p.Contains("(w: 1)"));
        Assert.Contains(error.Problems, p => p.Contains("Override(\"head\")") && p.Contains("EightBitLinear inputs (Auto):") && p.Contains("(a: 1)"));
        Assert.Equal(3, error.Problems.Count);
    }

    [Fact]
    public void Valid_8_bit_policies_build()
    {
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(2, 2)
            .For<Linear>().Use<EightBitLinear>(8, 1, o => o.ActivationSign = ActivationSign.Unsigned)
            .Override("first", r => r.Use<EightBitConv>(8, 1, o => o.QuantizeInput = false))
            .Override("float", r => r.Use<EightBitConv>(32, 32))
            .Build();

        Assert.Equal(2, policy.TypeRules.Count);
    }

    public static TheoryData<int, int, ActivationSign, bool, int> ValidationCases() => new()
    {
        // w, a, input sign, quantize input, number of complaints
        { 8, 8, ActivationSign.Auto, true, 0 },
        { 2, 2, ActivationSign.Signed, true, 0 },
        { 32, 32, ActivationSign.Auto, true, 0 },
        { 1, 8, ActivationSign.Auto, true, 1 },
        { 8, 1, ActivationSign.Auto, true, 1 },
        { 8, 1, ActivationSign.Signed, true, 1 },
        { 8, 1, ActivationSign.Unsigned, true, 0 },
        { 8, 1, ActivationSign.Auto, false, 0 },
        { 1, 1, ActivationSign.Auto, true, 2 },
        { 1, 32, ActivationSign.Auto, true, 1 },
    };

    [Theory]
    [MemberData(nameof(ValidationCases))]
    public void ValidateSettings_complains_about_grids_the_layers_cannot_build(
        int w, int a, ActivationSign sign, bool quantizeInput, int complaints)
    {
        QuantLayerSettings settings = Settings(w, a, o =>
        {
            o.ActivationSign = sign;
            o.QuantizeInput = quantizeInput;
        });

        List<string> conv = ValidateConv(settings).ToList();
        List<string> linear = ValidateLinear(settings).ToList();

        Assert.Equal(complaints, conv.Count);
        Assert.Equal(complaints, linear.Count);
        Assert.All(conv, c => Assert.StartsWith("EightBitConv", c));
        Assert.All(linear, c => Assert.StartsWith("EightBitLinear", c));
        if (complaints == 0)
        {
            // What validation accepts, the constructors can build.
            using Conv2d source = nn.Conv2d(2, 2, 1);
            using var layer = new QuantizedConv2d(source, EightBit.Instance, settings);
        }
    }

    private static IEnumerable<string> ValidateConv(QuantLayerSettings s) => Validate<EightBitConv>(s);

    private static IEnumerable<string> ValidateLinear(QuantLayerSettings s) => Validate<EightBitLinear>(s);

    private static IEnumerable<string> Validate<TLayer>(QuantLayerSettings s)
        where TLayer : IQuantLayerType => QuantLayerDescriptor.Of<TLayer>().Scheme!.Validate(typeof(TLayer).Name, s);

    [Fact]
    public void The_layers_convert_exactly_their_float_type()
    {
        Assert.Equal([typeof(Conv2d)], QuantLayerDescriptor.Of<EightBitConv>().ConvertsFrom);
        Assert.Equal([typeof(Linear)], QuantLayerDescriptor.Of<EightBitLinear>().ConvertsFrom);
        using Conv2d conv = nn.Conv2d(2, 2, 1);
        using Linear linear = nn.Linear(2, 2);
        using var fromConv = QuantLayerDescriptor.Of<EightBitConv>().Create(conv, Settings(8, 8));
        using var fromLinear = QuantLayerDescriptor.Of<EightBitLinear>().Create(linear, Settings(8, 8));
        Assert.IsType<QuantizedConv2d>(fromConv);
        Assert.IsType<QuantizedLinear>(fromLinear);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Gradients.
    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(8, 8, false)]
    [InlineData(4, 3, true)]
    public void EightBitConv_gradients_are_the_float_gradients_at_the_quantized_point(int w, int a, bool perChannel)
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(3, 4, 3, stride: 2, padding: 1, dtype: float64);
        var settings = Settings(w, a, o => o.PerChannelWeights = perChannel);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, settings);
        Tensor x = Input(float64, 11, 2, 3, 7, 7).requires_grad_(true);
        Tensor g = Input(float64, 12, 2, 4, 4, 4);
        var hand = new ByHand(settings);

        (layer.call(x) * g).sum().backward();

        // Straight-through: the gradients of conv2d(qx, qw, b) with respect to qx, qw and b; the input's passes the
        // input quantizer where it did not clip.
        Tensor qx = hand.Input(x.detach()).detach().requires_grad_(true);
        Tensor qw = hand.Weight(conv.weight.detach()).detach().requires_grad_(true);
        Tensor b = conv.bias!.detach().clone().requires_grad_(true);
        (nn.functional.conv2d(qx, qw, b, [2, 2], [1, 1], [1, 1], 1) * g).sum().backward();

        Assert.NotNull(layer.weight.grad);
        Assert.NotNull(layer.bias!.grad);
        Close(qw.grad!, layer.weight.grad!);
        Close(b.grad!, layer.bias!.grad!);
        Close(hand.InputGradient(x, qx.grad!), x.grad!);
        Assert.True(layer.weight.grad!.abs().sum().ToDouble() > 0);
    }

    [Fact]
    public void EightBitLinear_gradients_are_the_float_gradients_at_the_quantized_point()
    {
        using var scope = NewDisposeScope();
        using Linear linear = nn.Linear(6, 3, dtype: float64);
        var settings = Settings(8, 4, o => o.ActivationSign = ActivationSign.Unsigned);
        using var layer = new QuantizedLinear(linear, EightBit.Instance, settings);
        Tensor x = Input(float64, 13, 5, 6).requires_grad_(true);
        Tensor g = Input(float64, 14, 5, 3);
        var hand = new ByHand(settings);

        (layer.call(x) * g).sum().backward();

        Tensor qx = hand.Input(x.detach()).detach().requires_grad_(true);
        Tensor qw = hand.Weight(linear.weight.detach()).detach().requires_grad_(true);
        Tensor b = linear.bias!.detach().clone().requires_grad_(true);
        (nn.functional.linear(qx, qw, b) * g).sum().backward();

        Close(qw.grad!, layer.weight.grad!);
        Close(b.grad!, layer.bias!.grad!);
        // The unsigned input quantizer passes the gradient only where 0 <= x/s <= Qp, which drops the negative elements.
        Close(hand.InputGradient(x, qx.grad!), x.grad!);
        Assert.True(x.detach().lt(0).any().ToBoolean(), "the input should have negative elements");
        Assert.Equal(0, x.grad!.masked_select(x.detach().lt(0)).abs().sum().ToDouble());
    }

    [Fact]
    public void A_loss_backward_reaches_weight_and_bias_of_both_layers()
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(3, 4, 3, padding: 1);
        using Linear linear = nn.Linear(4 * 5 * 5, 3);
        using var convLayer = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8, o => o.QuantizeInput = false));
        using var linearLayer = new QuantizedLinear(linear, EightBit.Instance, Settings(8, 8));
        Tensor x = Input(ScalarType.Float32, 15, 2, 3, 5, 5);
        Tensor target = tensor(new long[] { 0, 2 });

        Tensor logits = linearLayer.call(nn.functional.relu(convLayer.call(x)).flatten(1));
        Tensor loss = nn.functional.cross_entropy(logits, target);
        loss.backward();

        foreach (QuantizedLayer layer in new QuantizedLayer[] { convLayer, linearLayer })
        {
            foreach (Parameter p in new[] { layer.weight, layer.bias! })
            {
                Assert.NotNull(p.grad);
                Finite(p.grad!);
                Assert.True(p.grad!.abs().sum().ToDouble() > 0, "the gradient is all zero");
            }
        }

        // The float modules were not part of the graph.
        Assert.Null(conv.weight.grad);
        Assert.Null(linear.weight.grad);
    }

    [Fact]
    public void A_frozen_weight_gets_no_gradient_but_the_bias_does()
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(2, 3, 3, dtype: float64);
        conv.weight.requires_grad_(false);
        using var layer = new QuantizedConv2d(conv, EightBit.Instance, Settings(8, 8));

        layer.call(Input(float64, 16, 1, 2, 4, 4)).sum().backward();

        Assert.Null(layer.weight.grad);
        Assert.NotNull(layer.bias!.grad);
    }
}
