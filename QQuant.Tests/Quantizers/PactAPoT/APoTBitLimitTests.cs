using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>
/// Which widths each APoT grid can build: power-of-two signed 2..7 (a sign bit plus 1..6 magnitude bits), unsigned
/// 1..6, Auto both (2..6); uniform 1..8, 2 or more when it may be signed.
/// </summary>
public class APoTBitLimitTests
{
    public static TheoryData<int, APoTGrid, ActivationSign, bool> Cases()
    {
        var data = new TheoryData<int, APoTGrid, ActivationSign, bool>();
        for (int bits = 1; bits <= 9; bits++)
        {
            data.Add(bits, APoTGrid.PowerOfTwo, ActivationSign.Signed, bits is >= 2 and <= 7);
            data.Add(bits, APoTGrid.PowerOfTwo, ActivationSign.Unsigned, bits is >= 1 and <= 6);
            data.Add(bits, APoTGrid.PowerOfTwo, ActivationSign.Auto, bits is >= 2 and <= 6);
            data.Add(bits, APoTGrid.Uniform, ActivationSign.Signed, bits is >= 2 and <= 8);
            data.Add(bits, APoTGrid.Uniform, ActivationSign.Unsigned, bits is >= 1 and <= 8);
            data.Add(bits, APoTGrid.Uniform, ActivationSign.Auto, bits is >= 2 and <= 8);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BitsProblem_accepts_exactly_the_widths_the_grid_can_hold(int bits, APoTGrid grid, ActivationSign sign, bool possible)
    {
        string? problem = APoTQuantizer.BitsProblem(bits, grid, sign);

        if (possible)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(problem));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_constructor_builds_what_BitsProblem_accepts_and_refuses_the_rest(
        int bits, APoTGrid grid, ActivationSign sign, bool possible)
    {
        Func<APoTQuantizer> build = () => new APoTQuantizer(bits, TensorRole.Activation, grid, sign);
        if (possible)
        {
            using APoTQuantizer q = build();
            Assert.Equal(bits, q.Bits);
        }
        else
        {
            Assert.ThrowsAny<ArgumentException>(() => build());
        }
    }

    [Fact]
    public void Signed_7_bit_power_of_two_has_the_64_six_bit_magnitudes()
    {
        using var scope = NewDisposeScope();
        using var q = new APoTQuantizer(7, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Signed, initialClip: 1);
        q.to(float64);

        // A ramp over [-1, 1] in steps of 1e-4, finer than half the smallest level gap (1/448), hits every level.
        double[] magnitudes = Values(q.call(linspace(-1, 1, 20001, dtype: float64))).Select(Math.Abs).Distinct().Order().ToArray();

        // B = 6: terms {0, 256, 32, 4}, {0, 128, 16, 2}, {0, 64, 8, 1} in 512ths, divided by the largest sum 448.
        int[] a = [0, 256, 32, 4], b = [0, 128, 16, 2], c = [0, 64, 8, 1];
        double[] expected = a.SelectMany(x => b.SelectMany(y => c.Select(z => (x + y + z) / 448.0))).Order().ToArray();
        Assert.Equal(64, magnitudes.Length);
        Assert.All(expected.Zip(magnitudes), p => Assert.True(Math.Abs(p.First - p.Second) < 1e-12, $"{p.First} vs {p.Second}"));
    }

    [Theory]
    [InlineData(8, 4, ActivationSign.Auto, 1)]
    [InlineData(7, 6, ActivationSign.Auto, 0)]
    [InlineData(7, 7, ActivationSign.Auto, 1)]
    [InlineData(7, 7, ActivationSign.Signed, 0)]
    [InlineData(4, 7, ActivationSign.Unsigned, 1)]
    [InlineData(1, 1, ActivationSign.Unsigned, 1)]
    [InlineData(2, 1, ActivationSign.Unsigned, 0)]
    [InlineData(8, 8, ActivationSign.Auto, 2)]
    public void APoT_layers_validate_their_widths_with_the_same_rule(int w, int a, ActivationSign sign, int complaints)
    {
        var settings = new QuantLayerSettings(w, a, new APoTOptions { ActivationSign = sign });

        Assert.Equal(complaints, QuantLayerDescriptor.Of<APoTConv>().Scheme!.Validate("APoTConv", settings).Count());
        Assert.Equal(complaints, QuantLayerDescriptor.Of<APoTLinear>().Scheme!.Validate("APoTLinear", settings).Count());
    }

    [Theory]
    [InlineData(8, 8, ActivationSign.Auto, 0)]
    [InlineData(1, 4, ActivationSign.Auto, 1)]
    [InlineData(4, 1, ActivationSign.Auto, 1)]
    [InlineData(4, 1, ActivationSign.Unsigned, 0)]
    public void Uniform_layers_accept_up_to_8_bits(int w, int a, ActivationSign sign, int complaints)
    {
        var settings = new QuantLayerSettings(w, a, new UniformOptions { ActivationSign = sign });

        Assert.Equal(complaints, QuantLayerDescriptor.Of<UniformConv>().Scheme!.Validate("UniformConv", settings).Count());
        Assert.Equal(complaints, QuantLayerDescriptor.Of<UniformLinear>().Scheme!.Validate("UniformLinear", settings).Count());
    }
}
