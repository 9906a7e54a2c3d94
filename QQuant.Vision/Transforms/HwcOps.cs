namespace QQuant.Vision;

/// <summary>Crop, flip and pad on interleaved (HWC) arrays: bytes of a decoded image or float pixels.</summary>
internal static class HwcOps
{
    public static T[] Crop<T>(T[] source, int width, int channels, int top, int left, int height, int cropWidth)
    {
        var result = new T[height * cropWidth * channels];
        int rowLength = cropWidth * channels;
        for (int y = 0; y < height; y++)
        {
            Array.Copy(source, ((top + y) * width + left) * channels, result, y * rowLength, rowLength);
        }

        return result;
    }

    public static T[] Flip<T>(T[] source, int height, int width, int channels, FlipDirection direction)
    {
        var result = new T[source.Length];
        for (int y = 0; y < height; y++)
        {
            int sourceY = direction == FlipDirection.Vertical ? height - 1 - y : y;
            for (int x = 0; x < width; x++)
            {
                int sourceX = direction == FlipDirection.Horizontal ? width - 1 - x : x;
                Array.Copy(source, (sourceY * width + sourceX) * channels, result, (y * width + x) * channels, channels);
            }
        }

        return result;
    }

    /// <summary>Adds <paramref name="border"/> (left, top, right, bottom) pixels; <paramref name="fill"/> has one value per channel.</summary>
    public static T[] Pad<T>(T[] source, int height, int width, int channels, (int Left, int Top, int Right, int Bottom) border,
        PadMode mode, T[] fill)
    {
        int newHeight = height + border.Top + border.Bottom;
        int newWidth = width + border.Left + border.Right;
        var result = new T[newHeight * newWidth * channels];
        for (int y = 0; y < newHeight; y++)
        {
            int sourceY = SourceIndex(y - border.Top, height, mode);
            for (int x = 0; x < newWidth; x++)
            {
                int sourceX = SourceIndex(x - border.Left, width, mode);
                int target = (y * newWidth + x) * channels;
                if (sourceY < 0 || sourceX < 0)
                {
                    Array.Copy(fill, 0, result, target, channels);
                }
                else
                {
                    Array.Copy(source, (sourceY * width + sourceX) * channels, result, target, channels);
                }
            }
        }

        return result;
    }

    /// <summary>The source row or column for output index <paramref name="i"/> (may lie outside 0..n-1); -1 means fill.</summary>
    private static int SourceIndex(int i, int n, PadMode mode)
    {
        if (i >= 0 && i < n)
        {
            return i;
        }

        switch (mode)
        {
            case PadMode.Constant:
                return -1;
            case PadMode.Edge:
                return Math.Clamp(i, 0, n - 1);
            case PadMode.Reflect when n == 1:
                return 0;
        }

        // Reflect again until inside: padding wider than the image mirrors back and forth, as numpy.pad does.
        while (i < 0 || i >= n)
        {
            if (i < 0)
            {
                i = mode == PadMode.Reflect ? -i : -i - 1;
            }
            else
            {
                i = mode == PadMode.Reflect ? 2 * (n - 1) - i : 2 * n - 1 - i;
            }
        }

        return i;
    }
}
