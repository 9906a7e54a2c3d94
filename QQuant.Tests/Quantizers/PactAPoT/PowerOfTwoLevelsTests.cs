using QQuant.Quantizers;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>The APoT magnitude levels, normalised so the largest is 1.</summary>
public class PowerOfTwoLevelsTests
{
    private static void AssertLevels(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-15, $"level {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Fact]
    public void One_bit_is_zero_and_one()
    {
        AssertLevels([0, 1], PowerOfTwoLevels.Of(1));
    }

    [Fact]
    public void Two_bits_are_zero_a_quarter_a_half_and_one()
    {
        // One term {0, 2^-1, 2^-2, 2^-3}, divided by 1/2.
        AssertLevels([0, 0.25, 0.5, 1], PowerOfTwoLevels.Of(2));
    }

    [Fact]
    public void Three_bits_are_tenths_without_the_odd_ones_above_half()
    {
        // {0, 1/2, 1/4, 1/16} + {0, 1/8} = 0, 1/16, 1/8, 3/16, 1/4, 3/8, 1/2, 5/8; divided by 5/8.
        AssertLevels([0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1], PowerOfTwoLevels.Of(3));
    }

    [Fact]
    public void Four_bits_are_the_sixteen_sums_of_two_terms()
    {
        // {0, 1/2, 1/8, 1/32} + {0, 1/4, 1/16, 1/64}: in 64ths 0,1,2,3,4,6,8,9,12,16,18,24,32,33,36,48; divided by 48.
        AssertLevels(
            [0, 1 / 48.0, 1 / 24.0, 1 / 16.0, 1 / 12.0, 1 / 8.0, 1 / 6.0, 3 / 16.0, 1 / 4.0, 1 / 3.0, 3 / 8.0, 1 / 2.0,
             2 / 3.0, 11 / 16.0, 3 / 4.0, 1],
            PowerOfTwoLevels.Of(4));
    }

    [Theory]
    [InlineData(5, 32)]
    [InlineData(6, 64)]
    public void Five_and_six_bits_have_two_to_the_b_distinct_sorted_levels_from_zero_to_one(int bits, int count)
    {
        double[] levels = PowerOfTwoLevels.Of(bits);

        Assert.Equal(count, levels.Length);
        Assert.Equal(count, levels.Distinct().Count());
        Assert.Equal(0.0, levels[0]);
        Assert.Equal(1.0, levels[^1]);
        for (int i = 1; i < levels.Length; i++)
        {
            Assert.True(levels[i] > levels[i - 1], $"levels {i - 1} and {i} are not increasing");
        }
    }

    [Fact]
    public void Five_bits_follow_the_three_term_construction()
    {
        // {0, 1/2, 1/8, 1/64} + {0, 1/4, 1/16, 1/128} + {0, 1/32}; in 128ths the terms are {0, 64, 16, 2},
        // {0, 32, 8, 1}, {0, 4}; the largest sum is 64 + 32 + 4 = 100.
        int[] a = [0, 64, 16, 2], b = [0, 32, 8, 1], c = [0, 4];
        double[] expected = a.SelectMany(x => b.SelectMany(y => c.Select(z => (x + y + z) / 100.0))).Order().ToArray();

        AssertLevels(expected, PowerOfTwoLevels.Of(5));
        // The smallest non-zero level is 1/100 and the second largest (64 + 32 + 0)/100.
        Assert.Equal(0.01, PowerOfTwoLevels.Of(5)[1], 15);
        Assert.Equal(0.96, PowerOfTwoLevels.Of(5)[^2], 15);
    }

    [Fact]
    public void Six_bits_are_three_terms_of_interleaved_powers()
    {
        // Terms {0, 2^-1, 2^-4, 2^-7}, {0, 2^-2, 2^-5, 2^-8}, {0, 2^-3, 2^-6, 2^-9}; in 512ths {0, 256, 32, 4},
        // {0, 128, 16, 2}, {0, 64, 8, 1}; the largest sum is 448.
        int[] a = [0, 256, 32, 4], b = [0, 128, 16, 2], c = [0, 64, 8, 1];
        double[] expected = a.SelectMany(x => b.SelectMany(y => c.Select(z => (x + y + z) / 448.0))).Order().ToArray();

        AssertLevels(expected, PowerOfTwoLevels.Of(6));
    }

    [Fact]
    public void Non_additive_levels_are_plain_powers_of_two()
    {
        // {0, 2^-1, ..., 2^-7} divided by 1/2: {0, 2^-6, ..., 2^-1, 1}.
        AssertLevels([0, 1 / 64.0, 1 / 32.0, 1 / 16.0, 1 / 8.0, 1 / 4.0, 1 / 2.0, 1], PowerOfTwoLevels.Of(3, additive: false));
        // {0, 2^-1, 2^-2, 2^-3} divided by 1/2.
        AssertLevels([0, 0.25, 0.5, 1], PowerOfTwoLevels.Of(2, additive: false));
        AssertLevels([0, 1], PowerOfTwoLevels.Of(1, additive: false));
    }

    [Fact]
    public void Non_additive_four_bits_reach_down_to_two_to_the_minus_fourteen()
    {
        double[] levels = PowerOfTwoLevels.Of(4, additive: false);

        // {0, 2^-1, ..., 2^-15} divided by 1/2: 0 and 2^-14 .. 2^0.
        AssertLevels([0, .. Enumerable.Range(0, 15).Select(i => Math.Pow(2, i - 14))], levels);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(-1)]
    public void Widths_without_a_level_set_are_refused(int bits)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerOfTwoLevels.Of(bits));
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerOfTwoLevels.Of(bits, additive: false));
    }
}
