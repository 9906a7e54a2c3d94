namespace QQuant.Vision;

/// <summary>Reads the size options given as one value (a square) or <c>[height, width]</c>.</summary>
internal static class SizeOption
{
    /// <summary>
    /// (height, width) from <paramref name="size"/>; <paramref name="allowMinusOneWidth"/> lets the width be -1
    /// (<see cref="Resize"/>'s keep-the-aspect-ratio form).
    /// </summary>
    public static (int Height, int Width) Parse(IReadOnlyList<int>? size, string key, bool allowMinusOneWidth = false)
    {
        if (size is null || size.Count is 0 or > 2)
        {
            throw new ArgumentException(
                $"{key} must be one positive number or [height, width], got {Describe(size)}.");
        }

        int height = size[0];
        int width = size.Count == 2 ? size[1] : size[0];
        bool widthOk = width > 0 || (allowMinusOneWidth && size.Count == 2 && width == -1);
        if (height <= 0 || !widthOk)
        {
            string widthRule = allowMinusOneWidth ? "positive, or -1 to keep the aspect ratio" : "positive";
            throw new ArgumentException(
                $"{key} must be [height, width] with a positive height and a width that is {widthRule}, got {Describe(size)}.");
        }

        return (height, width);
    }

    public static string Describe<T>(IReadOnlyList<T>? values) =>
        values is null ? "nothing" : "[" + string.Join(", ", values.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
