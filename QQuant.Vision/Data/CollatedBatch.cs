using System.Buffers;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// A batch collated into managed memory by a worker: the pixels of every sample in one pooled buffer, the labels and
/// the per-sample details. It holds no native memory, so a queued one is freed by returning its buffer to the pool.
/// </summary>
internal sealed class CollatedBatch
{
    private float[]? _pixels;

    public CollatedBatch(float[] pixels, int channels, int height, int width, long[] labels, int[] indices,
        string?[] fileNames, IReadOnlyDictionary<string, object>[] metas)
    {
        _pixels = pixels;
        Channels = channels;
        Height = height;
        Width = width;
        Labels = labels;
        Indices = indices;
        FileNames = fileNames;
        Metas = metas;
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    public long[] Labels { get; }

    public int[] Indices { get; }

    public string?[] FileNames { get; }

    public IReadOnlyDictionary<string, object>[] Metas { get; }

    /// <summary>
    /// Makes the batch's tensors on the calling thread (so they join its dispose scope) and returns the buffer to the
    /// pool: one copy of the pixels into a fresh CPU tensor, then one transfer when the device is not the CPU.
    /// </summary>
    public Batch ToBatch(Device device)
    {
        float[] pixels = _pixels ?? throw new InvalidOperationException("The batch was already handed out.");
        int count = Indices.Length;
        int values = count * Channels * Height * Width;
        Tensor? images = null;
        Tensor? labels = null;
        try
        {
            images = empty([count, Channels, Height, Width], ScalarType.Float32);
            MemoryMarshal.AsBytes(pixels.AsSpan(0, values)).CopyTo(images.bytes);
            labels = tensor(Labels, [count], ScalarType.Int64);
            if (device.type != TorchSharp.DeviceType.CPU)
            {
                images = MoveTo(images, device);
                labels = MoveTo(labels, device);
            }

            var batch = new Batch(images, labels, Indices, FileNames, Metas);
            images = null;
            labels = null;
            return batch;
        }
        finally
        {
            images?.Dispose();
            labels?.Dispose();
            Release();
        }
    }

    /// <summary>Returns the pixel buffer to the pool; the batch can no longer be handed out.</summary>
    public void Release()
    {
        float[]? pixels = Interlocked.Exchange(ref _pixels, null);
        if (pixels is not null)
        {
            ArrayPool<float>.Shared.Return(pixels);
        }
    }

    private static Tensor MoveTo(Tensor cpu, Device device)
    {
        using (cpu)
        {
            return cpu.to(device);
        }
    }
}
