using QQuant.Training;

namespace QQuant.Tests.Training.Logging;

public sealed class PythonNumberFormatTests
{
    [Theory]
    [InlineData(0.78125, 4, "0.7812")]    // 25/32 exactly: a tie, half to even
    [InlineData(0.71875, 4, "0.7188")]    // 23/32: a tie, up to the even digit
    [InlineData(2.5, 0, "2")]
    [InlineData(3.5, 0, "4")]
    [InlineData(-0.0, 4, "-0.0000")]
    [InlineData(1e22, 2, "10000000000000000000000.00")]
    [InlineData(5e-324, 4, "0.0000")]
    public void FixedRoundsTheExactValueHalfToEven(double value, int decimals, string expected)
    {
        Assert.Equal(expected, PythonNumberFormat.Fixed(value, decimals));
    }

    [Theory]
    [InlineData(-2.5e-5, "-2.500e-05")]
    [InlineData(5e-324, "4.941e-324")]
    [InlineData(1.7976931348623157e308, "1.798e+308")]
    [InlineData(1e-5, "1.000e-05")]
    public void ExponentHandlesTheWholeRange(double value, string expected)
    {
        Assert.Equal(expected, PythonNumberFormat.Exponent(value, 3));
    }

    [Theory]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(123.0, "123.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(0.1, "0.1")]
    public void ReprIsPythons(double value, string expected)
    {
        Assert.Equal(expected, PythonNumberFormat.Repr(value));
    }
}
