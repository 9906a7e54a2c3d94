using QQuant.Vision;

namespace QQuant.Tests.Vision.Data;

/// <summary>
/// A dataset whose sample i is a CHW buffer filled with the value i (so a collated batch can be checked exactly),
/// labelled i mod the class count, with hooks that break chosen samples.
/// </summary>
internal sealed class SyntheticDataset : ImageDataset
{
    private readonly int _count;
    private readonly string[] _classes;
    private int _inFlight;
    private int _loads;

    public SyntheticDataset(int count, int classes = 3, int channels = 2, int height = 3, int width = 4,
        IReadOnlyList<ITransform>? pipeline = null) : base(pipeline)
    {
        _count = count;
        _classes = Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray();
        Channels = channels;
        Height = height;
        Width = width;
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    public override int Count => _count;

    public override IReadOnlyList<string> Classes => _classes;

    /// <summary>Loading this index throws <see cref="InvalidOperationException"/>.</summary>
    public int ThrowAt { get; init; } = -1;

    /// <summary>The sample at this index has no pixels.</summary>
    public int NoPixelsAt { get; init; } = -1;

    /// <summary>The sample at this index has HWC pixels.</summary>
    public int HwcAt { get; init; } = -1;

    /// <summary>The sample at this index is one column wider.</summary>
    public int WiderAt { get; init; } = -1;

    /// <summary>Labels to use instead of i mod classes, or null.</summary>
    public Func<int, int>? Label { get; init; }

    /// <summary>Milliseconds each load sleeps (to keep workers busy).</summary>
    public int DelayMs { get; init; }

    /// <summary>Threads that loaded samples.</summary>
    public HashSet<Thread> Threads { get; } = [];

    public int InFlight => Volatile.Read(ref _inFlight);

    public int Loads => Volatile.Read(ref _loads);

    public override int LabelOf(int index) => Label?.Invoke(index) ?? index % _classes.Length;

    public override Sample Load(int index)
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Increment(ref _loads);
        try
        {
            lock (Threads)
            {
                Threads.Add(Thread.CurrentThread);
            }

            if (DelayMs > 0)
            {
                Thread.Sleep(DelayMs);
            }

            if (index == ThrowAt)
            {
                throw new InvalidOperationException($"broken file {index}");
            }

            var sample = new Sample { FileName = $"img{index}.png", Label = LabelOf(index) };
            sample.Meta["index"] = index;
            if (index != NoPixelsAt)
            {
                int width = index == WiderAt ? Width + 1 : Width;
                float[] data = Enumerable.Repeat((float)index, Channels * Height * width).ToArray();
                PixelLayout layout = index == HwcAt ? PixelLayout.Hwc : PixelLayout.Chw;
                sample.Pixels = new PixelBuffer(data, Channels, Height, width, layout);
            }

            return sample;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
