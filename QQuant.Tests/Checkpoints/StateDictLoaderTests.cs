using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Checkpoints.CheckpointTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Checkpoints;

/// <summary>Loading a state dict into a module: matching, reporting, strictness, key maps and conversions.</summary>
public sealed class StateDictLoaderTests
{
    [Fact]
    public void A_matching_state_dict_loads_every_tensor_in_place()
    {
        using var scope = NewDisposeScope();
        Sequential source = NetWithBuffers(1);
        Sequential target = NetWithBuffers(2);
        Parameter weightBefore = target.parameters().First();

        StateDictLoadReport report = StateDictLoader.Load(target, source.state_dict());

        SameState(source.state_dict(), target.state_dict());
        Assert.True(report.IsExactMatch);
        Assert.Equal(source.state_dict().Count, report.Loaded.Count);
        // The same parameter object holds the new values: an optimizer built before the load still tracks it.
        Assert.Same(weightBefore, target.parameters().First());
    }

    [Fact]
    public void Missing_unexpected_and_shape_mismatched_keys_are_reported_and_the_rest_loads()
    {
        using var scope = NewDisposeScope();
        Sequential target = SmallNet(3);
        Dictionary<string, Tensor> before = Snapshot(target);
        var source = new Dictionary<string, Tensor>
        {
            ["0.weight"] = full(8, 4, 0.25f),     // fits
            ["0.bias"] = full(5, 1f),             // wrong shape
            ["extra.weight"] = ones(2),           // no place
        };

        StateDictLoadReport report = StateDictLoader.Load(target, source, new StateDictLoadOptions { Strict = false, Source = "'x.pth'" });

        Assert.Equal(["0.weight"], report.Loaded);
        Assert.Equal(["2.bias", "2.weight"], report.Missing.Order());
        Assert.Equal(["extra.weight"], report.Unexpected);
        ShapeMismatch mismatch = Assert.Single(report.ShapeMismatched);
        Assert.Equal("0.bias", mismatch.Key);
        Assert.Equal([8L], mismatch.Expected);
        Assert.Equal([5L], mismatch.Found);
        Dictionary<string, Tensor> after = target.state_dict();
        Assert.True(after["0.weight"].eq(0.25f).all().ToBoolean());
        Assert.True(after["0.bias"].eq(before["0.bias"]).all().ToBoolean());
        Assert.True(after["2.weight"].eq(before["2.weight"]).all().ToBoolean());
        string text = report.ToString();
        Assert.Contains("Loaded 1 of 4 module tensors from 'x.pth'", text);
        Assert.Contains("Missing (2): ", text);
        Assert.Contains("Unexpected (no place in the module) (1): extra.weight", text);
        Assert.Contains("0.bias: module [8], source [5]", text);
    }

    [Fact]
    public void A_strict_load_that_does_not_match_throws_with_every_list_and_changes_nothing()
    {
        using var scope = NewDisposeScope();
        Sequential target = SmallNet(4);
        Dictionary<string, Tensor> before = Snapshot(target);
        var source = new Dictionary<string, Tensor>
        {
            ["0.weight"] = full(8, 4, 0.25f),
            ["0.bias"] = full(5, 1f),
            ["extra.weight"] = ones(2),
        };

        var e = Assert.Throws<StateDictMismatchException>(() =>
            StateDictLoader.Load(target, source, new StateDictLoadOptions { Source = "'weights.safetensors'" }));

        SameState(before, target.state_dict());
        Assert.Contains("'weights.safetensors'", e.Message);
        Assert.Contains("2.weight", e.Message);
        Assert.Contains("extra.weight", e.Message);
        Assert.Contains("0.bias: module [8], source [5]", e.Message);
        Assert.Equal(["0.weight"], e.Report.Loaded);
    }

    [Fact]
    public void A_key_map_renames_and_drops_source_keys()
    {
        using var scope = NewDisposeScope();
        Sequential source = SmallNet(5);
        Sequential target = SmallNet(6);
        var renamed = source.state_dict().ToDictionary(p => "net." + p.Key, p => p.Value);
        renamed["net.fc.weight"] = ones(1);

        StateDictLoadReport report = StateDictLoader.Load(target, renamed, new StateDictLoadOptions
        {
            KeyMap = k => k.StartsWith("net.fc.", StringComparison.Ordinal) ? null : k["net.".Length..],
        });

        SameState(source.state_dict(), target.state_dict());
        Assert.Equal(["net.fc.weight"], report.Dropped);
        Assert.Empty(report.Unexpected);
    }

    [Fact]
    public void Keys_a_map_sends_nowhere_count_as_unexpected_when_asked()
    {
        using var scope = NewDisposeScope();
        Sequential target = SmallNet(7);
        var source = SmallNet(8).state_dict().ToDictionary(p => p.Key, p => p.Value);
        source["fc.weight"] = ones(1);

        var e = Assert.Throws<StateDictMismatchException>(() => StateDictLoader.Load(target, source, new StateDictLoadOptions
        {
            KeyMap = k => k == "fc.weight" ? null : k,
            UnmappedAreUnexpected = true,
        }));

        Assert.Equal(["fc.weight"], e.Report.Unexpected);
    }

    [Fact]
    public void Two_source_keys_mapped_to_one_module_key_load_the_first_and_report_the_second()
    {
        using var scope = NewDisposeScope();
        Sequential target = SmallNet(9);
        var source = new Dictionary<string, Tensor> { ["a"] = full(3, 2f), ["b"] = full(3, 5f) };

        StateDictLoadReport report = StateDictLoader.Load(target, source,
            new StateDictLoadOptions { Strict = false, KeyMap = _ => "2.bias" });

        Assert.Equal(["2.bias"], report.Loaded);
        Assert.Equal(["b → 2.bias"], report.Unexpected);
        Assert.True(target.state_dict()["2.bias"].eq(2f).all().ToBoolean());
    }

    [Fact]
    public void Values_are_converted_to_the_module_tensors_dtype()
    {
        using var scope = NewDisposeScope();
        Sequential target = SmallNet(10);
        var source = target.state_dict().ToDictionary(p => p.Key, p => full(p.Value.shape, 0.1, float64));

        StateDictLoader.Load(target, source);

        Assert.All(target.state_dict().Values, t =>
        {
            Assert.Equal(float32, t.dtype);
            Assert.True(t.eq(0.1f).all().ToBoolean());
        });
    }

    [Fact]
    public void A_check_reports_without_changing_the_module()
    {
        using var scope = NewDisposeScope();
        Sequential target = SmallNet(11);
        Dictionary<string, Tensor> before = Snapshot(target);

        StateDictLoadReport report = StateDictLoader.Check(target, new Dictionary<string, Tensor> { ["0.weight"] = zeros(8, 4) });

        Assert.Equal(["0.weight"], report.Loaded);
        Assert.Equal(3, report.Missing.Count);
        SameState(before, target.state_dict());
    }

    [Fact]
    public void A_float_state_dict_loads_strictly_into_a_quantized_model_and_lists_the_quantizer_state_apart()
    {
        using var scope = NewDisposeScope();
        Sequential floatModel = SmallNet(12);
        Sequential quantized = QuantizedNet(13);

        StateDictLoadReport report = StateDictLoader.Load(quantized, floatModel.state_dict());

        Assert.Empty(report.Missing);
        Assert.Equal(4, report.Loaded.Count);
        Assert.Contains("0.weight_quantizer.initialized", report.MissingQuantizerState);
        Assert.Contains("2.input_quantizer.step", report.MissingQuantizerState);
        Assert.All(report.MissingQuantizerState, k => Assert.Contains("_quantizer.", k));
        Assert.Contains("expected for a float checkpoint", report.ToString());
        Assert.True(quantized.state_dict()["0.weight"].eq(floatModel.state_dict()["0.weight"]).all().ToBoolean());
        Assert.Throws<StateDictMismatchException>(() => StateDictLoader.Load(quantized, floatModel.state_dict(),
            new StateDictLoadOptions { AllowMissingQuantizerState = false }));
    }

    [Fact]
    public void Loaded_quantizer_state_makes_an_uninitialised_quantized_model_evaluate_like_the_trained_one()
    {
        using var scope = NewDisposeScope();
        Sequential trained = QuantizedNet(14);
        using (var sgd = optim.SGD(trained.parameters(), 0.01))
        {
            TrainStep(trained, sgd, 15);
        }

        Sequential fresh = QuantizedNet(16);
        fresh.eval();
        Tensor x = Normal(17, 5, 4);
        // Before the load the fresh model is uninitialised and refuses to evaluate (and has read its flags).
        Assert.Throws<QuantizerStateException>(() => fresh.call(x));

        StateDictLoader.Load(fresh, trained.state_dict());
        trained.eval();

        using (no_grad())
        {
            Assert.True(trained.call(x).eq(fresh.call(x)).all().ToBoolean());
        }
    }

    [Fact]
    public void A_tensor_registered_under_two_keys_is_loaded_through_either()
    {
        using var scope = NewDisposeScope();
        var tied = new Tied();
        var source = new Dictionary<string, Tensor> { ["first.weight"] = full(2, 3, 0.5f), ["first.bias"] = full(2, -1f) };

        StateDictLoadReport report = StateDictLoader.Load(tied, source);

        Assert.Empty(report.Missing);
        Assert.True(tied.state_dict()["second.weight"].eq(0.5f).all().ToBoolean());
        Assert.Equal(4, tied.state_dict().Count);
    }

    [Fact]
    public void A_model_on_a_cuda_device_is_filled_on_that_device()
    {
        Assert.SkipUnless(cuda.is_available(), "CUDA is not available");
        using var scope = NewDisposeScope();
        Sequential source = NetWithBuffers(18);
        Sequential target = NetWithBuffers(19);
        target.to(CUDA);

        StateDictLoader.Load(target, source.state_dict());

        Assert.All(target.state_dict().Values, t => Assert.Equal(DeviceType.CUDA, t.device_type));
        SameState(source.state_dict(), target.state_dict());
    }

    /// <summary>One Linear registered under two names, as tied weights are.</summary>
    private sealed class Tied : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> first;
        private readonly nn.Module<Tensor, Tensor> second;

        public Tied() : base(nameof(Tied))
        {
            first = nn.Linear(3, 2);
            second = first;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => first.call(input);
    }
}
