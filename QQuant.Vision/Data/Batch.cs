using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// One collated batch: the images as a single [N, C, H, W] float32 tensor, the labels as an int64 [N] tensor (-1 for
/// every sample of an unlabelled dataset), and per sample its dataset index, file name and meta entries.
/// </summary>
/// <remarks>
/// <para>
/// The batch owns its two tensors: dispose it when done (<c>using (batch) { ... }</c> in the <c>foreach</c>), or a
/// long epoch keeps every batch's native memory until the garbage collector finalises them.
/// </para>
/// <para>
/// The <see cref="DataLoader"/> makes the tensors on the thread that enumerates it, at the moment the batch is handed
/// out (workers only fill managed buffers). So the tensors also belong to whatever <c>torch.NewDisposeScope()</c> is
/// open on the consumer's thread around the <c>foreach</c>: disposing that scope frees the batches it saw, and
/// disposing a batch first is harmless (a tensor is disposed once). A scope opened inside the loop body starts after
/// the batch was made and does not own it. Tensors made on another thread could never join the consumer's
/// thread-local scope, which is why no worker touches TorchSharp.
/// </para>
/// </remarks>
public sealed class Batch : IDisposable
{
    /// <summary>
    /// Wraps tensors and per-sample details; the batch takes ownership of <paramref name="images"/> and
    /// <paramref name="labels"/>.
    /// </summary>
    /// <param name="images">[N, C, H, W] images.</param>
    /// <param name="labels">[N] int64 labels, -1 where a sample has none.</param>
    /// <param name="indices">The dataset index of each sample (N entries).</param>
    /// <param name="fileNames">Each sample's file name, or null for none; null means no names at all.</param>
    /// <param name="metas">Each sample's meta entries; null means none.</param>
    public Batch(
        Tensor images,
        Tensor labels,
        IReadOnlyList<int> indices,
        IReadOnlyList<string?>? fileNames = null,
        IReadOnlyList<IReadOnlyDictionary<string, object>>? metas = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(indices);
        if (images.dim() != 4)
        {
            throw new ArgumentException($"Batch images must be [N, C, H, W], got shape [{string.Join(", ", images.shape)}].", nameof(images));
        }

        long count = images.shape[0];
        if (labels.dim() != 1 || labels.shape[0] != count || labels.dtype != ScalarType.Int64)
        {
            throw new ArgumentException(
                $"Batch labels must be int64 [{count}], got {labels.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));
        }

        RequireCount(indices.Count, count, nameof(indices));
        if (fileNames is not null)
        {
            RequireCount(fileNames.Count, count, nameof(fileNames));
        }

        if (metas is not null)
        {
            RequireCount(metas.Count, count, nameof(metas));
        }

        Images = images;
        Labels = labels;
        Indices = indices;
        FileNames = fileNames ?? new string?[count];
        Metas = metas ?? Enumerable.Repeat<IReadOnlyDictionary<string, object>>(EmptyMeta, (int)count).ToArray();
    }

    private static readonly IReadOnlyDictionary<string, object> EmptyMeta = new Dictionary<string, object>();

    /// <summary>The images, [N, C, H, W] float32 on the loader's device.</summary>
    public Tensor Images { get; }

    /// <summary>The labels, int64 [N] on the loader's device; all -1 when the dataset has no labels.</summary>
    public Tensor Labels { get; }

    /// <summary>The dataset index of each sample, in batch order.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Each sample's <see cref="Sample.FileName"/> (null where it had none), for inference and analysis.</summary>
    public IReadOnlyList<string?> FileNames { get; }

    /// <summary>Each sample's <see cref="Sample.Meta"/> entries after the pipeline (<c>ori_shape</c>, <c>flip</c>, ...).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object>> Metas { get; }

    /// <summary>The number of samples, N.</summary>
    public int Count => Indices.Count;

    /// <summary>Disposes <see cref="Images"/> and <see cref="Labels"/>.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }

    private static void RequireCount(int actual, long expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"A batch of {expected} images needs {expected} {name}, got {actual}.", name);
        }
    }
}
