using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

using Lsq = QQuant.Quantizers.Lsq;

/// <summary>
/// The state LSQ and LSQ+ share through <see cref="CalibratedQuantizer"/>: the Auto sign decided once from the first
/// training batch and kept in the <c>signed</c> buffer, the <c>initialized</c> buffer, and the refusal to evaluate
/// before initialisation.
/// </summary>
public class LsqSignAndStateTests
{
    public static TheoryData<string> Kinds() => ["LSQ", "LSQ+"];

    private static CalibratedQuantizer Activation(string kind, int bits = 4, ActivationSign sign = ActivationSign.Auto)
    {
        CalibratedQuantizer quantizer = kind == "LSQ"
            ? new LsqQuantizer(bits, TensorRole.Activation, sign)
            : new LsqPlusQuantizer(bits, TensorRole.Activation, sign);
        quantizer.to(float64);
        return quantizer;
    }

    private static bool Flag(nn.Module module, string name) => module.state_dict()[name].item<bool>();

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Auto_sign_becomes_signed_when_the_first_batch_has_a_negative_and_stays_so(string kind)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Activation(kind);
        Assert.False(Flag(q, "initialized"));
        Assert.False(Flag(q, "signed"));

        q.train();
        q.call(Vector(0.5, -0.001, 2));
        q.call(Vector(1, 2, 3));

        Assert.True(q.IsSigned);
        Assert.True(Flag(q, "signed"));
        Assert.True(Flag(q, "initialized"));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Auto_sign_becomes_unsigned_without_negatives_and_later_negatives_do_not_change_it(string kind)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Activation(kind);

        q.train();
        q.call(Vector(0, 1, 2));
        q.call(Vector(-5, -1, 3));

        Assert.False(q.IsSigned);
        Assert.False(Flag(q, "signed"));
        Assert.True(Flag(q, "initialized"));
    }

    [Fact]
    public void An_lsq_quantizer_that_chose_unsigned_clips_later_negatives_to_0()
    {
        using var scope = NewDisposeScope();
        using var q = (LsqQuantizer)Activation("LSQ");

        q.call(Vector(1, 2, 3, 6));
        Tensor y = q.call(Vector(-5, -0.1, 0.8));

        // Unsigned 4 bits, s = 2 · 3 / √15 ≈ 1.549: x/s = [-3.23, -.065, .516] -> clamp to [0, 15] -> [0, 0, 1] -> times s.
        double s = 6 / Math.Sqrt(15);
        Close([0, 0, s], y, 1e-12);
    }

    [Fact]
    public void An_lsq_quantizer_that_chose_signed_keeps_the_signed_range_for_a_positive_batch()
    {
        using var scope = NewDisposeScope();
        using var q = (LsqQuantizer)Activation("LSQ", bits: 2);

        q.call(Vector(1, -2, 3, -4));
        Tensor y = q.call(Vector(5, 12, 20));

        // Signed 2 bits, s = 5 (Qp = 1): x/s = [1, 2.4, 4] -> clamp to [-2, 1] -> 1 -> all 5.
        Close([5], q.Step, 1e-12);
        Close([5, 5, 5], y, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_fixed_sign_is_kept_whatever_the_data(string kind)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer signed = Activation(kind, sign: ActivationSign.Signed);
        using CalibratedQuantizer unsigned = Activation(kind, sign: ActivationSign.Unsigned);

        signed.call(Vector(1, 2, 3));
        unsigned.call(Vector(-1, 2, 3));

        Assert.True(signed.IsSigned);
        Assert.True(Flag(signed, "signed"));
        Assert.False(unsigned.IsSigned);
        Assert.False(Flag(unsigned, "signed"));
    }

    [Theory]
    [InlineData("LSQ", "LsqQuantizer")]
    [InlineData("LSQ+", "LsqPlusQuantizer")]
    public void Evaluating_before_initialisation_throws_and_names_the_quantizer(string kind, string name)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Activation(kind);
        q.eval();

        var error = Assert.Throws<QuantizerStateException>(() => q.call(Vector(1, 2, 3)));

        Assert.Equal(name, error.Location);
        Assert.Contains($"'{name}'", error.Message);
        Assert.False(q.IsInitialized);
    }

    [Fact]
    public void Evaluating_an_uninitialised_layer_names_the_input_quantizers_path()
    {
        using var scope = NewDisposeScope();
        using var layer = new QuantizedLinear(nn.Linear(3, 2), Lsq.Instance, new QuantLayerSettings(4, 4, new LsqOptions()));
        layer.eval();

        var error = Assert.Throws<QuantizerStateException>(() => layer.call(ones(2, 3)));

        Assert.Equal("LSQLinear.input_quantizer", error.Location);
        Assert.Contains("LSQLinear.input_quantizer", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Evaluation_after_initialisation_works(string kind)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Activation(kind);
        q.call(Vector(1, -2, 3));
        q.eval();

        Tensor y = q.call(Vector(1, -2, 3));

        Finite(y);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_loaded_checkpoint_brings_the_sign_and_the_initialised_flag(string kind)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer trained = Activation(kind);
        trained.call(Vector(0.5, -1.5, 2.25));
        trained.eval();
        Tensor x = Vector(-3, -1, 0.2, 0.7, 4);
        Tensor expected = trained.call(x);

        using CalibratedQuantizer fresh = Activation(kind);
        Assert.False(fresh.IsInitialized);
        fresh.load_state_dict(trained.state_dict());
        fresh.eval();

        Assert.True(fresh.IsInitialized);
        Assert.True(fresh.IsSigned);
        Identical(expected, fresh.call(x));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Non_finite_initialisation_data_is_refused(string kind)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Activation(kind);

        var error = Assert.Throws<QuantizerStateException>(() => q.call(Vector(1, double.NaN, 2)));

        Assert.Contains(q.GetType().Name, error.Message);
        Assert.False(q.IsInitialized);
    }
}
