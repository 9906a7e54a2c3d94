using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Vision;

/// <summary>
/// A dataset read whole into memory (CIFAR, MNIST): one byte array of all images, sample after sample, each
/// <see cref="Channels"/> x <see cref="Height"/> x <see cref="Width"/> (channel planes in RGB order), and one label
/// array. <see cref="Load"/> wraps a sample into an <c>Image&lt;Rgb24&gt;</c> (3 channels) or <c>Image&lt;L8&gt;</c>
/// (1 channel); batch code can read <see cref="Pixels"/> and <see cref="Labels"/> directly instead.
/// </summary>
public abstract class InMemoryImageDataset : ImageDataset
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;

    /// <summary>
    /// Creates the dataset over <paramref name="pixels"/> (N x <paramref name="channels"/> x <paramref name="height"/>
    /// x <paramref name="width"/> bytes) and <paramref name="labels"/> (N); the arrays are kept, not copied.
    /// </summary>
    protected InMemoryImageDataset(
        IReadOnlyList<ITransform>? pipeline, byte[] pixels, int[] labels, int channels, int height, int width,
        IReadOnlyList<string> classes, bool testMode)
        : base(pipeline)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classes);
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Images have 1 (grey) or 3 (RGB) channels.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if ((long)labels.Length * channels * height * width != pixels.Length)
        {
            throw new ArgumentException(
                $"{labels.Length} samples of {channels}x{height}x{width} need {(long)labels.Length * channels * height * width} bytes, "
                + $"the pixel array has {pixels.Length}.", nameof(pixels));
        }

        _pixels = pixels;
        _labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        Classes = classes;
        TestMode = testMode;
    }

    /// <inheritdoc />
    public override int Count => _labels.Length;

    /// <inheritdoc />
    public override IReadOnlyList<string> Classes { get; }

    /// <summary>Whether this is the test split.</summary>
    public bool TestMode { get; }

    /// <summary>The channels per image: 3 (RGB) or 1 (grey).</summary>
    public int Channels { get; }

    /// <summary>The image height in pixels.</summary>
    public int Height { get; }

    /// <summary>The image width in pixels.</summary>
    public int Width { get; }

    /// <summary>The bytes per image, <see cref="Channels"/> x <see cref="Height"/> x <see cref="Width"/>.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>All images, N x C x H x W bytes (0..255), sample <c>i</c> at offset <c>i * SampleSize</c>.</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels;

    /// <summary>All labels, indexed by sample.</summary>
    public ReadOnlyMemory<int> Labels => _labels;

    /// <summary>The C x H x W bytes of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> PixelsOf(int index)
    {
        CheckIndex(index);
        return _pixels.AsSpan(index * SampleSize, SampleSize);
    }

    /// <inheritdoc />
    public override int LabelOf(int index)
    {
        CheckIndex(index);
        return _labels[index];
    }

    /// <summary>Sample <paramref name="index"/> as a new image (<c>Image&lt;Rgb24&gt;</c> or <c>Image&lt;L8&gt;</c>) with its label.</summary>
    public override Sample Load(int index)
    {
        ReadOnlySpan<byte> chw = PixelsOf(index);
        Image image = Channels == 1 ? Image.LoadPixelData<L8>(chw, Width, Height) : RgbImage(chw);
        return new Sample { Image = image, Label = _labels[index] };
    }

    private Image<Rgb24> RgbImage(ReadOnlySpan<byte> chw)
    {
        int plane = Height * Width;
        byte[] hwc = new byte[3 * plane];
        for (int p = 0; p < plane; p++)
        {
            hwc[3 * p] = chw[p];
            hwc[3 * p + 1] = chw[plane + p];
            hwc[3 * p + 2] = chw[2 * plane + p];
        }

        return Image.LoadPixelData<Rgb24>(hwc, Width, Height);
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_labels.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {_labels.Length} samples.");
        }
    }
}
