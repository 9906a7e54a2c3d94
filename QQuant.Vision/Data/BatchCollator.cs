using System.Buffers;

namespace QQuant.Vision;

/// <summary>
/// Loads the samples of one batch and copies their pixels into one pooled buffer, one sample alive at a time. Touches
/// no tensor, so it can run on any thread.
/// </summary>
internal static class BatchCollator
{
    /// <summary>
    /// Collates the samples at <paramref name="indices"/>, each from <c>dataset.Get(index, SampleRandom.For(seed, epoch, index))</c>.
    /// </summary>
    /// <exception cref="DataLoadException">A sample failed to load, has no CHW pixels, differs in shape from the
    /// batch's first sample, or has a label that does not fit.</exception>
    public static CollatedBatch Collate(ImageDataset dataset, ReadOnlySpan<int> indices, long seed, int epoch, CancellationToken cancel)
    {
        int count = indices.Length;
        var labels = new long[count];
        var fileNames = new string?[count];
        var metas = new IReadOnlyDictionary<string, object>[count];
        float[]? pixels = null;
        PixelBuffer? first = null;
        try
        {
            for (int i = 0; i < count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                int index = indices[i];
                using Sample sample = Load(dataset, index, seed, epoch);
                PixelBuffer buffer = CheckPixels(sample, index, first, indices[0]);
                if (first is null)
                {
                    first = buffer;
                    pixels = ArrayPool<float>.Shared.Rent(checked(count * buffer.Data.Length));
                }

                buffer.Data.CopyTo(pixels.AsSpan(i * buffer.Data.Length));
                labels[i] = CheckLabel(sample.Label, index, dataset.Classes.Count);
                fileNames[i] = sample.FileName;
                metas[i] = sample.Meta;
            }

            CheckLabelsAgree(labels, indices);
            var batch = new CollatedBatch(pixels!, first!.Channels, first.Height, first.Width, labels, indices.ToArray(), fileNames, metas);
            pixels = null;
            return batch;
        }
        finally
        {
            if (pixels is not null)
            {
                ArrayPool<float>.Shared.Return(pixels);
            }
        }
    }

    private static Sample Load(ImageDataset dataset, int index, long seed, int epoch)
    {
        try
        {
            return dataset.Get(index, SampleRandom.For(seed, epoch, index));
        }
        catch (Exception error)
        {
            throw new DataLoadException($"Loading sample {index} (epoch {epoch}) failed: {error.Message}", index, error);
        }
    }

    private static PixelBuffer CheckPixels(Sample sample, int index, PixelBuffer? first, int firstIndex)
    {
        string name = sample.FileName is null ? $"Sample {index}" : $"Sample {index} ({sample.FilePath})";
        PixelBuffer pixels = sample.Pixels ?? throw new DataLoadException(
            $"{name} has no float pixels after the pipeline: end the pipeline with Normalize and ImageToTensor " +
            "so the loader gets a CHW float buffer.", index);
        if (pixels.Layout != PixelLayout.Chw)
        {
            throw new DataLoadException(
                $"{name} has {pixels.Layout} pixels ({Shape(pixels)}) after the pipeline: add ImageToTensor at its end " +
                "so the loader gets CHW pixels.", index);
        }

        if (first is not null
            && (pixels.Channels != first.Channels || pixels.Height != first.Height || pixels.Width != first.Width))
        {
            throw new DataLoadException(
                $"{name} is {Shape(pixels)} (CxHxW) but sample {firstIndex}, the first of its batch, is {Shape(first)}: " +
                "every sample of a batch needs the same size (add Resize / CenterCrop / RandomResizedCrop to the pipeline).",
                index);
        }

        return pixels;
    }

    private static long CheckLabel(int label, int index, int classes)
    {
        if (label < -1 || (classes > 0 && label >= classes))
        {
            throw new DataLoadException(
                $"Sample {index} has label {label}, outside 0..{classes - 1} for the dataset's {classes} classes (-1 means no label).",
                index);
        }

        return label;
    }

    // Unlabelled samples (-1) are for inference; one in a labelled batch would reach the loss as a bogus class.
    private static void CheckLabelsAgree(long[] labels, ReadOnlySpan<int> indices)
    {
        int unlabelled = Array.IndexOf(labels, -1L);
        int labelled = Array.FindIndex(labels, label => label >= 0);
        if (unlabelled >= 0 && labelled >= 0)
        {
            throw new DataLoadException(
                $"Sample {indices[unlabelled]} has no label (-1) but sample {indices[labelled]} of the same batch has label " +
                $"{labels[labelled]}: a dataset must label all of its samples or none.",
                indices[unlabelled]);
        }
    }

    private static string Shape(PixelBuffer pixels) => $"{pixels.Channels}x{pixels.Height}x{pixels.Width}";
}
