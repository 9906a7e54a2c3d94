using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

using Uniform = QQuant.Quantizers.Uniform;

/// <summary>PACTConv/PACTLinear, APoTConv/APoTLinear and UniformConv/UniformLinear.</summary>
public class PactAPoTLayerTests
{
    private static QuantLayerSettings Settings(int w, int a, QuantLayerOptions options) => new(w, a, options);

    private static Tensor Input(ulong seed, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, dtype: float64, generator: generator);
    }

    public static TheoryData<string> LayerNames() =>
        ["PACTConv", "PACTLinear", "APoTConv", "APoTLinear", "UniformConv", "UniformLinear"];

    /// <summary>The named layer around a small float64 conv (4 → 3 channels, 3×3) or linear (5 → 3).</summary>
    private static QuantizedLayer Build(string name, QuantLayerOptions options, int w = 4, int a = 4)
    {
        QuantLayerSettings settings = Settings(w, a, options);
        QuantizedLayer layer = name switch
        {
            "PACTConv" => new QuantizedConv2d(nn.Conv2d(4, 3, 3, dtype: float64), Pact.Instance, settings),
            "PACTLinear" => new QuantizedLinear(nn.Linear(5, 3, dtype: float64), Pact.Instance, settings),
            "APoTConv" => new QuantizedConv2d(nn.Conv2d(4, 3, 3, dtype: float64), APoT.Instance, settings),
            "APoTLinear" => new QuantizedLinear(nn.Linear(5, 3, dtype: float64), APoT.Instance, settings),
            "UniformConv" => new QuantizedConv2d(nn.Conv2d(4, 3, 3, dtype: float64), Uniform.Instance, settings),
            "UniformLinear" => new QuantizedLinear(nn.Linear(5, 3, dtype: float64), Uniform.Instance, settings),
            _ => throw new ArgumentException(name),
        };
        layer.to(float64);
        return layer;
    }

    private static QuantLayerOptions OptionsFor(string name) => name.StartsWith("APoT") ? new APoTOptions() : name.StartsWith("Uniform") ? new UniformOptions() : new ClipOptions();

    private static Tensor InputFor(string name, ulong seed) => name.EndsWith("Conv") ? Input(seed, 2, 4, 6, 6) : Input(seed, 4, 5);

    // ---------------------------------------------------------------------------------------------------------------
    // State.
    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void The_state_dict_holds_the_clips_and_flags_but_not_the_level_tables(string name)
    {
        using var layer = Build(name, OptionsFor(name));

        string[] expected = name.StartsWith("PACT")
            // DoReFa weights have no clip of their own.
            ? ["bias", "input_quantizer.alpha", "input_quantizer.initialized", "input_quantizer.signed", "weight",
               "weight_quantizer.initialized", "weight_quantizer.signed"]
            : ["bias", "input_quantizer.alpha", "input_quantizer.initialized", "input_quantizer.signed", "weight",
               "weight_quantizer.alpha", "weight_quantizer.initialized", "weight_quantizer.signed"];
        Assert.Equal(expected, layer.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Level_tables_are_float64_after_to_float64_so_levels_are_exact()
    {
        using var scope = NewDisposeScope();
        using var layer = Build("APoTLinear", new APoTOptions { ActivationSign = ActivationSign.Unsigned, InitialClip = 1 }, w: 4, a: 3);

        // The level tables are built in the input's dtype (float32 would miss 0.1 by about 1.5e-9, 0.3 by about 1.2e-8):
        // α = 1, d = [.11, .61, .29] -> [.1, .6, .3], exact in float64.
        Tensor q = ((APoTQuantizer)layer.InputQuantizer).call(Vector(0.11, 0.61, 0.29));
        Assert.Equal(ScalarType.Float64, q.dtype);
        Close([0.1, 0.6, 0.3], q, 1e-16);
    }

    [Fact]
    public void APoT_layers_run_on_the_gpu_after_to_cuda()
    {
        Assert.SkipUnless(cuda.is_available(), "CUDA is not available");
        using var scope = NewDisposeScope();
        using var layer = Build("APoTConv", new APoTOptions { ActivationSign = ActivationSign.Unsigned, InitialClip = 2 });
        Tensor x = InputFor("APoTConv", 5);
        Tensor expected = layer.call(x);

        layer.to(CUDA);
        Tensor actual = layer.call(x.to(CUDA));

        Assert.Equal(DeviceType.CUDA, actual.device_type);
        Close(expected, actual.cpu(), 1e-9);
    }

    [Fact]
    public void Per_channel_APoT_weights_have_one_clip_per_output_channel()
    {
        using var layer = Build("APoTConv", new APoTOptions { PerChannelWeights = true });

        var weightQuantizer = Assert.IsType<APoTQuantizer>(layer.WeightQuantizer);
        Assert.Equal(new long[] { 3 }, weightQuantizer.Alpha.shape);
        Close([3, 3, 3], weightQuantizer.Alpha);
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void A_checkpoint_loads_strictly_into_a_fresh_layer_and_reproduces_its_output(string name)
    {
        using var scope = NewDisposeScope();
        using var trained = Build(name, OptionsFor(name));
        using var fresh = Build(name, OptionsFor(name));
        Tensor x = InputFor(name, 3);
        trained.train();
        trained.call(x);
        trained.eval();

        var (missing, unexpected) = fresh.load_state_dict(trained.state_dict(), strict: true);
        fresh.eval();

        Assert.Empty(missing);
        Assert.Empty(unexpected);
        Identical(trained.call(x), fresh.call(x));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Options.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void APoTConv_without_power_of_two_computes_what_UniformConv_computes()
    {
        using var scope = NewDisposeScope();
        using Conv2d conv = nn.Conv2d(4, 3, 3, padding: 1, dtype: float64);
        using var apot = new QuantizedConv2d(conv, APoT.Instance, Settings(3, 4, new APoTOptions { PowerOfTwo = false }));
        using var uniform = new QuantizedConv2d(conv, Uniform.Instance, Settings(3, 4, new UniformOptions()));
        using var powerOfTwo = new QuantizedConv2d(conv, APoT.Instance, Settings(3, 4, new APoTOptions()));
        apot.to(float64);
        uniform.to(float64);
        powerOfTwo.to(float64);
        Tensor x = Input(11, 2, 4, 5, 5);

        Tensor expected = uniform.call(x);
        Tensor actual = apot.call(x);

        Assert.Equal(APoTGrid.Uniform, Assert.IsType<APoTQuantizer>(apot.WeightQuantizer).Grid);
        Assert.Equal(APoTGrid.Uniform, Assert.IsType<APoTQuantizer>(apot.InputQuantizer).Grid);
        Identical(expected, actual);
        // The power-of-two grid gives something else, so the comparison can fail.
        Assert.False(powerOfTwo.call(x).eq(actual).all().ToBoolean());
    }

    [Fact]
    public void APoTLinear_without_power_of_two_computes_what_UniformLinear_computes()
    {
        using var scope = NewDisposeScope();
        using Linear linear = nn.Linear(5, 3, dtype: float64);
        using var apot = new QuantizedLinear(linear, APoT.Instance, Settings(4, 2, new APoTOptions { PowerOfTwo = false, PerChannelWeights = true }));
        using var uniform = new QuantizedLinear(linear, Uniform.Instance, Settings(4, 2, new UniformOptions { PerChannelWeights = true }));
        apot.to(float64);
        uniform.to(float64);
        Tensor x = Input(12, 6, 5);

        Identical(uniform.call(x), apot.call(x));
    }

    [Theory]
    [InlineData("PACTLinear")]
    [InlineData("APoTConv")]
    [InlineData("UniformLinear")]
    public void InitialClip_with_a_fixed_sign_sets_the_input_clip_at_construction(string name)
    {
        QuantLayerOptions options = name.StartsWith("APoT")
            ? new APoTOptions { InitialClip = 6, ActivationSign = ActivationSign.Unsigned }
            : name.StartsWith("Uniform") ? new UniformOptions { InitialClip = 6, ActivationSign = ActivationSign.Unsigned }
            : new ClipOptions { InitialClip = 6, ActivationSign = ActivationSign.Unsigned };
        using var layer = Build(name, options);

        var input = Assert.IsAssignableFrom<CalibratedQuantizer>(layer.InputQuantizer);
        Assert.True(input.IsInitialized);
        Close([6.0], layer.named_parameters().Single(p => p.name == "input_quantizer.alpha").parameter);
    }

    [Theory]
    [InlineData("PACTConv")]
    [InlineData("APoTLinear")]
    [InlineData("UniformConv")]
    public void InitialClip_with_auto_sign_is_kept_by_the_first_training_forward(string name)
    {
        using var scope = NewDisposeScope();
        QuantLayerOptions options = name.StartsWith("APoT") ? new APoTOptions { InitialClip = 6 }
            : name.StartsWith("Uniform") ? new UniformOptions { InitialClip = 6 } : new ClipOptions { InitialClip = 6 };
        using var layer = Build(name, options);
        var input = Assert.IsAssignableFrom<CalibratedQuantizer>(layer.InputQuantizer);
        Assert.False(input.IsInitialized);

        layer.train();
        layer.call(InputFor(name, 4));

        Assert.True(input.IsInitialized);
        Assert.True(input.IsSigned);
        // Not a statistic of the standard-normal input (which would be about 3).
        Close([6.0], layer.named_parameters().Single(p => p.name == "input_quantizer.alpha").parameter);
    }

    [Fact]
    public void Without_InitialClip_the_first_training_forward_takes_the_clip_from_the_input()
    {
        using var scope = NewDisposeScope();
        using var layer = Build("PACTLinear", new ClipOptions { ActivationSign = ActivationSign.Unsigned });
        Tensor x = Matrix([1, 5], 1, -2, 3, 0, 0);

        layer.train();
        layer.call(x);

        // |x| = [1, 2, 3, 0, 0]: mean 1.2; squared deviations .04 + .64 + 3.24 + 1.44 + 1.44 = 6.8, unbiased variance 1.7;
        // mean + 3 std = 1.2 + 3·√1.7 ≈ 5.11 > max |x| = 3, so α = 3.
        Close([3.0], layer.named_parameters().Single(p => p.name == "input_quantizer.alpha").parameter);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void APoTLinear_forward_by_hand()
    {
        using var scope = NewDisposeScope();
        using Linear linear = nn.Linear(7, 2, dtype: float64);
        using var layer = new QuantizedLinear(linear, APoT.Instance, Settings(4, 4, new APoTOptions
        {
            ActivationSign = ActivationSign.Unsigned, InitialClip = 48, PerChannelWeights = true,
            WeightInit = WeightClipInitialization.ThreeSigma,
        }));
        layer.to(float64);
        double[] w = [-3.5, -1.5, -1.5, 0.5, 1.5, 2.5, 5.5];
        using (no_grad())
        {
            layer.weight.copy_(Matrix([2, 7], [.. w, .. w.Reverse().Select(v => 10 * v + 100)]));
            layer.bias!.copy_(Vector(0.5, -0.25));
        }

        Tensor y = layer.call(Matrix([1, 7], 0.6, 5.1, 7.2, 10.4, 14.5, 20.9, 60));

        // Weights: row 0 has mean .5 and std 3, ŵ/3 = [-4,-2,-2,0,1,2,5]/9 -> 3-bit magnitudes [-.4,-.2,-.2,0,.1,.2,.6],
        // times 3 = [-1.2,-.6,-.6,0,.3,.6,1.8]; row 1 is 10·reverse + 100, so its result is the reverse.
        // Input: α = 48, 4-bit levels in 48ths -> [1, 6, 8, 9, 16, 18, 48].
        // Row 0: -1.2 - 3.6 - 4.8 + 0 + 4.8 + 10.8 + 86.4 + .5 = 92.9;
        // row 1: 1.8 + 3.6 + 2.4 + 0 - 9.6 - 10.8 - 57.6 - .25 = -70.45.
        Close([92.9, -70.45], y, 1e-11);
    }

    [Fact]
    public void PACTLinear_computes_linear_of_the_PACT_input_and_the_DoReFa_weight()
    {
        using var scope = NewDisposeScope();
        using Linear linear = nn.Linear(5, 3, dtype: float64);
        using var layer = new QuantizedLinear(linear, Pact.Instance, Settings(3, 2, new ClipOptions { ActivationSign = ActivationSign.Signed, InitialClip = 1.5 }));
        layer.to(float64);
        using var pact = new PactQuantizer(2, ActivationSign.Signed, 1.5);
        using var dorefa = new DoReFaWeightQuantizer(3);
        pact.to(float64);
        dorefa.to(float64);
        Tensor x = Input(9, 4, 5);

        Tensor expected = nn.functional.linear(pact.call(x), dorefa.call(linear.weight), linear.bias);

        Assert.IsType<PactQuantizer>(layer.InputQuantizer);
        Assert.IsType<DoReFaWeightQuantizer>(layer.WeightQuantizer);
        Identical(expected, layer.call(x));
    }

    [Fact]
    public void PACTConv_passes_the_alpha_gradient_of_the_clipped_inputs()
    {
        using var scope = NewDisposeScope();
        using var layer = Build("PACTConv", new ClipOptions { ActivationSign = ActivationSign.Unsigned, InitialClip = 0.5 });
        Tensor x = Input(10, 1, 4, 5, 5);

        layer.call(x).sum().backward();

        Parameter alpha = layer.named_parameters().Single(p => p.name == "input_quantizer.alpha").parameter;
        Assert.NotNull(alpha.grad);
        Assert.True(alpha.grad!.abs().sum().ToDouble() > 0);
        Assert.NotNull(layer.weight.grad);
    }
}
