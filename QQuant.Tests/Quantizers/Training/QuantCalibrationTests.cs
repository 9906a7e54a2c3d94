using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Training;

/// <summary>QuantCalibration.Calibrate: state from the statistics of every batch, nothing changed on failure, modes kept.</summary>
public sealed class QuantCalibrationTests
{
    // Linear(4, 6) -> ReLU -> Linear(6, 3), float64, seeded; the quantized layers sit at "0" and "2".
    private static Sequential Model(QuantPolicy? policy = null, ulong seed = 1)
    {
        Sequential model = nn.Sequential(nn.Linear(4, 6, dtype: float64), nn.ReLU(), nn.Linear(6, 3, dtype: float64));
        Reinitialize(model, seed);
        if (policy is not null)
        {
            model.Quantize(policy);
        }

        return model;
    }

    private static T Layer<T>(Sequential model, int index) where T : QuantizedLayer => (T)model.children().ElementAt(index);

    // Two batches of different sizes and distributions, both with negative values.
    private static Tensor[] Batches() =>
    [
        Normal(11, float64, 5, 4) * 1.5,
        Normal(12, float64, 7, 4) * 0.5 + 0.3,
    ];

    private static double[] Flat(IEnumerable<Tensor> batches) => batches.SelectMany(Values).ToArray();

    // The second layer's float input for every batch: relu(x·W0ᵀ + b0), by loops over the float weights.
    private static double[] HiddenInput(QuantizedLayer first, IEnumerable<Tensor> batches) =>
        batches.SelectMany(b => LinearRelu(Rows(b), Rows(first.weight), Values(first.bias!)).SelectMany(r => r)).ToArray();

    private static double StepOf(IQuantizer q) => Values(((LsqQuantizer)q).Step).Single();

    [Fact]
    public void Evaluating_before_calibration_throws_naming_the_first_input_quantizer()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        model.eval();

        var error = Assert.Throws<QuantizerStateException>(() => model.call(Batches()[0]));

        Assert.Equal("0.input_quantizer", error.Location);
        Assert.Contains("'0.input_quantizer'", error.Message);
        Assert.Contains("QuantCalibration.Calibrate", error.Message);
    }

    [Fact]
    public void Evaluating_before_calibration_names_the_weight_quantizer_when_the_input_stays_float()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4)
            .Override("0", r => r.Use<LSQLinear>(4, 4, o => o.QuantizeInput = false)));
        model.eval();

        var error = Assert.Throws<QuantizerStateException>(() => model.call(Batches()[0]));

        Assert.Equal("0.weight_quantizer", error.Location);
    }

    [Fact]
    public void After_calibration_the_model_evaluates_to_the_quantized_computation()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        Tensor[] batches = Batches();
        QuantCalibration.Calibrate(model, batches);
        model.eval();
        var first = Layer<QuantizedLinear>(model, 0);
        var second = Layer<QuantizedLinear>(model, 2);
        Tensor x = Normal(13, float64, 3, 4);

        Tensor y;
        using (no_grad())
        {
            y = model.call(x);
        }

        // LSQ by hand with the calibrated steps: q(t) = round(clamp(t/s, Qn, Qp))·s; inputs signed 4-bit [-8, 7] for
        // layer 0 (data has negatives) and unsigned [0, 15] after the ReLU; weights signed [-8, 7].
        static Tensor Q(Tensor t, double s, int min, int max) => (t / s).clamp(min, max).round() * s;
        Tensor h = nn.functional.linear(Q(x, StepOf(first.InputQuantizer), -8, 7), Q(first.weight, StepOf(first.WeightQuantizer), -8, 7), first.bias);
        Tensor expected = nn.functional.linear(
            Q(h.relu(), StepOf(second.InputQuantizer), 0, 15), Q(second.weight, StepOf(second.WeightQuantizer), -8, 7), second.bias);
        Close(expected, y, 1e-12);
        Assert.True(second.InputQuantizer is CalibratedQuantizer { IsSigned: false });
    }

    [Fact]
    public void LSQ_steps_come_from_all_batches_and_from_the_weights()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        Tensor[] batches = Batches();
        var first = Layer<QuantizedLinear>(model, 0);
        var second = Layer<QuantizedLinear>(model, 2);
        double[] hidden = HiddenInput(first, batches);

        QuantCalibration.Calibrate(model, batches);

        // Layer 0's input is the batch itself, signed (it has negatives): s = 2·mean|x| / √7 over both batches.
        double inputStep = 2 * MeanAbs(Flat(batches)) / Math.Sqrt(7);
        Assert.Equal(inputStep, StepOf(first.InputQuantizer), 12);
        Assert.True(((CalibratedQuantizer)first.InputQuantizer).IsSigned);
        // The first batch alone would give another step, so the assertion above tells the two apart.
        Assert.True(Math.Abs(2 * MeanAbs(Values(batches[0])) / Math.Sqrt(7) - inputStep) > 1e-3);
        // Layer 2's input is relu(x·W0ᵀ + b0) of the float model, unsigned: s = 2·mean|h| / √15.
        Assert.Equal(2 * MeanAbs(hidden) / Math.Sqrt(15), StepOf(second.InputQuantizer), 12);
        Assert.False(((CalibratedQuantizer)second.InputQuantizer).IsSigned);
        // Weights, signed: s = 2·mean|W| / √7.
        Assert.Equal(2 * MeanAbs(Values(first.weight)) / Math.Sqrt(7), StepOf(first.WeightQuantizer), 12);
        Assert.Equal(2 * MeanAbs(Values(second.weight)) / Math.Sqrt(7), StepOf(second.WeightQuantizer), 12);
        Assert.All(QuantizersOf(model), q => Assert.True(q.IsInitialized));
    }

    [Fact]
    public void LSQ_per_channel_weight_steps_come_from_each_output_row()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4, o => o.PerChannelWeights = true));
        var first = Layer<QuantizedLinear>(model, 0);

        QuantCalibration.Calibrate(model, Batches());

        // One step per output row c: s_c = 2·mean|W_c| / √7.
        double[] expected = Rows(first.weight).Select(row => 2 * MeanAbs(row) / Math.Sqrt(7)).ToArray();
        Close(expected, ((LsqQuantizer)first.WeightQuantizer).Step, 1e-12);
    }

    [Fact]
    public void LSQ_plus_steps_and_offsets_come_from_the_range_of_all_batches_and_the_weight_spread()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQPlusLinear, LsqPlusOptions>(4, 4, o => o.ActivationInit = RangeInitialization.MinMax));
        Tensor[] batches = Batches();
        var first = Layer<QuantizedLinear>(model, 0);
        var second = Layer<QuantizedLinear>(model, 2);
        double[] x = Flat(batches), hidden = HiddenInput(first, batches);

        QuantCalibration.Calibrate(model, batches);

        var input0 = (LsqPlusQuantizer)first.InputQuantizer;
        var input2 = (LsqPlusQuantizer)second.InputQuantizer;
        // Signed input, Qn = -8, Qp = 7: s = (max - min) / 15, β = min + 8·s over both batches.
        double s0 = (x.Max() - x.Min()) / 15;
        Assert.Equal(s0, Values(input0.Step).Single(), 12);
        Assert.Equal(x.Min() + 8 * s0, Values(input0.Offset!).Single(), 12);
        // Unsigned input after the ReLU, Qn = 0, Qp = 15: s = (max - min) / 15, β = min.
        double s2 = (hidden.Max() - hidden.Min()) / 15;
        Assert.Equal(s2, Values(input2.Step).Single(), 12);
        Assert.Equal(hidden.Min(), Values(input2.Offset!).Single(), 12);
        // Weights: s = max(|μ - 3σ|, |μ + 3σ|) / 2^(4-1), σ with Bessel's correction.
        foreach (QuantizedLayer layer in new QuantizedLayer[] { first, second })
        {
            double[] w = Values(layer.weight);
            double mu = Mean(w), sigma = Std(w);
            double expected = Math.Max(Math.Abs(mu - 3 * sigma), Math.Abs(mu + 3 * sigma)) / 8;
            var quantizer = (LsqPlusQuantizer)layer.WeightQuantizer;
            Assert.Equal(expected, Values(quantizer.Step).Single(), 12);
            Assert.Null(quantizer.Offset);
        }
    }

    [Fact]
    public void PACT_clip_and_DSQ_bounds_come_from_all_batches()
    {
        using var scope = NewDisposeScope();
        Tensor[] batches = Batches();
        double[] x = Flat(batches);
        Sequential pact = Model(QuantPolicy.For<Linear>().Use<PACTLinear, ClipOptions>(4, 4, o => o.ActivationInit = ClipInitialization.MeanStd));
        Sequential dsq = Model(QuantPolicy.For<Linear>().Use<DSQLinear, DsqOptions>(4, 4, o =>
        {
            o.ActivationInit = RangeInitialization.MinMax;
            o.WeightInit = RangeInitialization.MinMax;
        }));

        QuantCalibration.Calibrate(pact, batches);
        QuantCalibration.Calibrate(dsq, batches);

        // PACT: α = min(max|x|, mean|x| + 3·std|x|), std of |x| with Bessel's correction.
        double[] magnitudes = x.Select(Math.Abs).ToArray();
        double alpha = Math.Min(magnitudes.Max(), Mean(magnitudes) + 3 * Std(magnitudes));
        Assert.Equal(alpha, Values(((PactQuantizer)Layer<QuantizedLinear>(pact, 0).InputQuantizer).Alpha).Single(), 12);
        // DSQ: l = min x, u = max x for the input; the weight's own min and max for the weight.
        var dsqLayer = Layer<QuantizedLinear>(dsq, 0);
        var input = (DsqQuantizer)dsqLayer.InputQuantizer;
        var weight = (DsqQuantizer)dsqLayer.WeightQuantizer;
        Assert.Equal(x.Min(), Values(input.Lower).Single(), 12);
        Assert.Equal(x.Max(), Values(input.Upper).Single(), 12);
        Assert.Equal(Values(dsqLayer.weight).Min(), Values(weight.Lower).Single(), 12);
        Assert.Equal(Values(dsqLayer.weight).Max(), Values(weight.Upper).Single(), 12);
        // α is not changed by initialisation.
        Assert.Equal(0.2, Values(input.Alpha).Single(), 6);
    }

    [Fact]
    public void Calibrating_again_initialises_from_the_new_batches_only()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        Tensor[] batches = Batches();

        QuantCalibration.Calibrate(model, [batches[0]]);
        QuantCalibration.Calibrate(model, [batches[1]]);

        // s = 2·mean|x| / √7 of the second batch alone.
        Assert.Equal(2 * MeanAbs(Values(batches[1])) / Math.Sqrt(7), StepOf(Layer<QuantizedLinear>(model, 0).InputQuantizer), 12);
    }

    [Fact]
    public void Training_modes_of_every_submodule_are_restored_and_batch_norm_statistics_are_untouched()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(
            nn.Linear(4, 6, dtype: float64), nn.BatchNorm1d(6, dtype: float64), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(6, 3, dtype: float64));
        Reinitialize(model, 3);
        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        var norm = (BatchNorm1d)model.children().ElementAt(1);
        model.train();
        // A mixed model: the batch norm is evaluating while everything else trains.
        norm.eval();
        Dictionary<nn.Module, bool> before = model.modules().ToDictionary(m => m, m => m.training);
        Tensor mean = norm.running_mean!.clone(), variance = norm.running_var!.clone();
        Tensor tracked = norm.num_batches_tracked!.clone();

        QuantCalibration.Calibrate(model, Batches());

        // TorchSharp's modules() lists the submodules, not the model itself (see the next test for that one).
        Assert.All(model.modules(), m => Assert.Equal(before[m], m.training));
        Assert.False(norm.training);
        Assert.True(Layer<QuantizedLinear>(model, 0).InputQuantizer is nn.Module { training: true });
        Identical(mean, norm.running_mean!);
        Identical(variance, norm.running_var!);
        Identical(tracked, norm.num_batches_tracked!);
    }

    [Fact]
    public void A_model_in_training_mode_stays_in_training_mode_and_its_batch_norm_statistics_do_not_move()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(nn.Linear(4, 6, dtype: float64), nn.BatchNorm1d(6, dtype: float64), nn.ReLU(),
            nn.Linear(6, 3, dtype: float64));
        Reinitialize(model, 4);
        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        model.train();
        var norm = (BatchNorm1d)model.children().ElementAt(1);
        Tensor mean = norm.running_mean!.clone(), variance = norm.running_var!.clone();

        QuantCalibration.Calibrate(model, Batches());

        Assert.True(model.training, "the model itself was left in eval mode");
        Assert.All(model.modules(), m => Assert.True(m.training, $"{m.GetName()} left training mode"));
        Identical(mean, norm.running_mean!);
        Identical(variance, norm.running_var!);
    }

    [Fact]
    public void A_NaN_batch_throws_naming_the_quantizer_and_changes_no_quantizer()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        Tensor[] batches = Batches();
        Tensor poisoned = batches[1].clone();
        poisoned[2, 1] = tensor(double.NaN, float64);

        var error = Assert.Throws<QuantCalibrationException>(() => QuantCalibration.Calibrate(model, [batches[0], poisoned]));

        Assert.Contains(error.Problems, p => p.Contains("'0.input_quantizer'") && p.Contains("NaN"));
        Assert.DoesNotContain(error.Problems, p => p.Contains("weight_quantizer"));
        Assert.Contains("no quantizer was changed", error.Message);
        Assert.Contains("0.input_quantizer", error.Message);
        List<CalibratedQuantizer> quantizers = QuantizersOf(model);
        Assert.Equal(4, quantizers.Count);
        Assert.All(quantizers, q => Assert.False(q.IsInitialized, $"{q.Location} was initialised"));
        Assert.All(quantizers, q => Assert.False(q.IsCalibrating, $"{q.Location} is still collecting"));
        // The steps keep their construction value, 1, the weight quantizers' too (their data was fine).
        Assert.All(quantizers, q => Assert.Equal(1.0, StepOf(q)));
        model.eval();
        Assert.Throws<QuantizerStateException>(() => model.call(batches[0]));
    }

    [Fact]
    public void A_NaN_batch_leaves_a_calibrated_model_as_it_was()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        Tensor[] batches = Batches();
        QuantCalibration.Calibrate(model, batches);
        double[] steps = QuantizersOf(model).Select(StepOf).ToArray();
        Tensor poisoned = full(3, 4, double.NaN, dtype: float64);

        Assert.Throws<QuantCalibrationException>(() => QuantCalibration.Calibrate(model, [batches[1], poisoned]));

        Assert.Equal(steps, QuantizersOf(model).Select(StepOf).ToArray());
        Assert.All(QuantizersOf(model), q => Assert.True(q.IsInitialized));
        // And a later calibration on good data works: nothing stayed in collecting mode.
        QuantCalibration.Calibrate(model, [batches[1]]);
        Assert.Equal(2 * MeanAbs(Values(batches[1])) / Math.Sqrt(7), StepOf(Layer<QuantizedLinear>(model, 0).InputQuantizer), 12);
    }

    [Fact]
    public void An_empty_batch_list_is_refused_and_nothing_is_initialised()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));

        var error = Assert.Throws<QuantCalibrationException>(() => QuantCalibration.Calibrate(model, Array.Empty<Tensor>()));

        Assert.Contains("empty", Assert.Single(error.Problems));
        Assert.Contains("no quantizer was changed", error.Message);
        Assert.All(QuantizersOf(model), q => Assert.False(q.IsInitialized));
    }

    [Fact]
    public void An_empty_batch_list_leaves_no_quantizer_collecting()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        Sequential floatModel = Model();
        Tensor x = Batches()[0];

        Assert.Throws<QuantCalibrationException>(() => QuantCalibration.Calibrate(model, Array.Empty<Tensor>()));

        Assert.All(QuantizersOf(model), q => Assert.False(q.IsCalibrating, $"{q.Location} is still collecting"));
        // A training forward afterwards initialises and quantizes, so it differs from the float model (same weights).
        model.train();
        Tensor y = model.call(x);
        Assert.All(QuantizersOf(model), q => Assert.True(q.IsInitialized));
        Assert.False(y.eq(floatModel.call(x)).all().ToBoolean(), "the model ran unquantized");
    }

    [Fact]
    public void A_checkpoint_saved_after_calibration_makes_a_fresh_model_evaluable()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        QuantCalibration.Calibrate(model, Batches());
        Sequential fresh = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4), seed: 2);
        Tensor x = Normal(15, float64, 3, 4);
        double step = StepOf(Layer<QuantizedLinear>(model, 0).InputQuantizer);

        fresh.load_state_dict(model.state_dict());

        Assert.All(QuantizersOf(fresh), q => Assert.True(q.IsInitialized, $"{q.Location} reads as uninitialised"));
        model.eval();
        fresh.eval();
        using (no_grad())
        {
            Identical(model.call(x), fresh.call(x));
        }

        // A training forward must not initialise the loaded state again from its batch.
        fresh.train();
        fresh.call(x * 10);
        Assert.Equal(step, StepOf(Layer<QuantizedLinear>(fresh, 0).InputQuantizer));
    }

    [Fact]
    public void A_model_without_quantizers_is_refused()
    {
        using var scope = NewDisposeScope();
        Sequential plain = Model();
        Sequential floatLayers = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(32, 32));

        var error = Assert.Throws<QuantCalibrationException>(() => QuantCalibration.Calibrate(plain, Batches()));
        var again = Assert.Throws<QuantCalibrationException>(() => QuantCalibration.Calibrate(floatLayers, Batches()));

        Assert.Contains("no quantizer", Assert.Single(error.Problems));
        Assert.Contains("no quantizer", Assert.Single(again.Problems));
    }

    [Fact]
    public void The_summary_counts_weight_and_input_quantizers_and_batches()
    {
        using var scope = NewDisposeScope();
        Tensor[] three = [.. Batches(), Normal(14, float64, 2, 4)];

        CalibrationSummary all = QuantCalibration.Calibrate(Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4)), three);
        CalibrationSummary floatInput = QuantCalibration.Calibrate(
            Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4).Override("0", r => r.Use<LSQLinear>(4, 4, o => o.QuantizeInput = false))),
            Batches());
        CalibrationSummary floatWeights = QuantCalibration.Calibrate(Model(QuantPolicy.For<Linear>().Use<LSQLinear>(32, 4)), [three[2]]);

        Assert.Equal(new CalibrationSummary(4, 3), all);
        Assert.Equal(new CalibrationSummary(3, 2), floatInput);
        Assert.Equal(new CalibrationSummary(2, 1), floatWeights);
    }

    [Fact]
    public void The_forward_overload_calibrates_on_tuple_batches()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        Tensor[] inputs = Batches();
        (Tensor Input, Tensor Label)[] batches = [(inputs[0], tensor(new long[] { 0, 1, 2, 0, 1 })), (inputs[1], zeros(7, dtype: int64))];
        int calls = 0;
        bool gradientSeen = true;

        CalibrationSummary summary = QuantCalibration.Calibrate(model, batches, batch =>
        {
            calls++;
            gradientSeen &= is_grad_enabled();
            Assert.Equal(batch.Input.shape[0], batch.Label.shape[0]);
            model.call(batch.Input);
        });

        Assert.Equal(new CalibrationSummary(4, 2), summary);
        Assert.Equal(2, calls);
        Assert.False(gradientSeen, "the forward ran with gradients enabled");
        // s = 2·mean|x| / √7 over the inputs of both batches.
        Assert.Equal(2 * MeanAbs(Flat(inputs)) / Math.Sqrt(7), StepOf(Layer<QuantizedLinear>(model, 0).InputQuantizer), 12);
    }
}
