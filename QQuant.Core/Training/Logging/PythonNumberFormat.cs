using System.Globalization;
using System.Numerics;

namespace QQuant.Training;

/// <summary>
/// Formats doubles exactly as Python does (<c>%.4f</c>, <c>%.3e</c>, <c>round(x, n)</c>, <c>repr</c>): digits come
/// from the exact binary value, rounded half to even, so ties such as 0.78125 → <c>0.7812</c> match the reference.
/// Non-finite values print as <c>nan</c>, <c>inf</c> and <c>-inf</c>.
/// </summary>
internal static class PythonNumberFormat
{
    /// <summary>Python's <c>'%.{decimals}f' % value</c>.</summary>
    public static string Fixed(double value, int decimals)
    {
        if (NonFinite(value) is { } text)
        {
            return text;
        }

        (BigInteger numerator, BigInteger denominator) = Exact(Math.Abs(value));
        BigInteger rounded = RoundHalfEven(numerator * BigInteger.Pow(10, decimals), denominator);
        string digits = rounded.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        string body = decimals == 0 ? digits : digits[..^decimals] + "." + digits[^decimals..];
        return (double.IsNegative(value) ? "-" : "") + body;
    }

    /// <summary>Python's <c>'%.{decimals}e' % value</c>: a signed exponent of at least two digits.</summary>
    public static string Exponent(double value, int decimals)
    {
        if (NonFinite(value) is { } text)
        {
            return text;
        }

        string sign = double.IsNegative(value) ? "-" : "";
        double magnitude = Math.Abs(value);
        if (magnitude == 0)
        {
            return sign + Fixed(0, decimals) + "e+00";
        }

        (BigInteger numerator, BigInteger denominator) = Exact(magnitude);
        BigInteger low = BigInteger.Pow(10, decimals);
        BigInteger high = low * 10;
        int exponent = (int)Math.Floor(Math.Log10(magnitude));
        BigInteger digits;
        while (true)
        {
            int shift = decimals - exponent;
            digits = shift >= 0
                ? RoundHalfEven(numerator * BigInteger.Pow(10, shift), denominator)
                : RoundHalfEven(numerator, denominator * BigInteger.Pow(10, -shift));
            if (digits >= high)
            {
                exponent++;
            }
            else if (digits < low)
            {
                exponent--;
            }
            else
            {
                break;
            }
        }

        string text10 = digits.ToString(CultureInfo.InvariantCulture);
        string mantissa = decimals == 0 ? text10 : text10[..1] + "." + text10[1..];
        return sign + mantissa + ExponentSuffix(exponent);
    }

    /// <summary>Python's <c>round(value, decimals)</c>: the double nearest to the correctly rounded decimal.</summary>
    public static double Round(double value, int decimals) =>
        double.IsFinite(value)
            ? double.Parse(Fixed(value, decimals), NumberStyles.Float, CultureInfo.InvariantCulture)
            : value;

    /// <summary>
    /// Python's <c>repr(value)</c> of a finite float: the shortest digits that read back as the same double, in
    /// positional notation when the decimal exponent is in [-4, 16) (<c>0.001</c>, <c>2.0</c>), else scientific
    /// (<c>1e-05</c>, <c>1.5e+16</c>).
    /// </summary>
    public static string Repr(double value)
    {
        if (NonFinite(value) is { } text)
        {
            return text;
        }

        string sign = double.IsNegative(value) ? "-" : "";
        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = shortest.IndexOfAny(['E', 'e']);
        int exponent = e < 0 ? 0 : int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string mantissa = e < 0 ? shortest : shortest[..e];
        int point = mantissa.IndexOf('.', StringComparison.Ordinal);
        string integer = point < 0 ? mantissa : mantissa[..point];
        string digits = integer + (point < 0 ? "" : mantissa[(point + 1)..]);
        // value = 0.digits × 10^decimalPoint
        int decimalPoint = integer.Length + exponent;
        int leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        decimalPoint -= leading;
        if (digits.Length == 0)
        {
            return sign + "0.0";
        }

        if (decimalPoint is > -4 and <= 16)
        {
            string body = decimalPoint <= 0
                ? "0." + new string('0', -decimalPoint) + digits
                : decimalPoint >= digits.Length
                    ? digits + new string('0', decimalPoint - digits.Length) + ".0"
                    : digits[..decimalPoint] + "." + digits[decimalPoint..];
            return sign + body;
        }

        string scientific = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
        return sign + scientific + ExponentSuffix(decimalPoint - 1);
    }

    private static string ExponentSuffix(int exponent) =>
        "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);

    private static string? NonFinite(double value) =>
        double.IsNaN(value) ? "nan" : double.IsPositiveInfinity(value) ? "inf" : double.IsNegativeInfinity(value) ? "-inf" : null;

    // A finite, non-negative double as numerator / denominator, exactly.
    private static (BigInteger Numerator, BigInteger Denominator) Exact(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int biased = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xF_FFFF_FFFF_FFFFL;
        long mantissa = biased == 0 ? fraction : fraction | (1L << 52);
        int exponent = (biased == 0 ? 1 : biased) - 1075;
        return exponent >= 0
            ? (new BigInteger(mantissa) << exponent, BigInteger.One)
            : (new BigInteger(mantissa), BigInteger.One << -exponent);
    }

    private static BigInteger RoundHalfEven(BigInteger numerator, BigInteger denominator)
    {
        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        int half = (remainder * 2).CompareTo(denominator);
        return half > 0 || (half == 0 && !quotient.IsEven) ? quotient + 1 : quotient;
    }
}
