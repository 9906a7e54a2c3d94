using QQuant.Vision;
using TorchSharp;

namespace QQuant.Tests.Vision.Data;

/// <summary>A batch copied to managed arrays, so epochs can be compared after their tensors are gone.</summary>
internal sealed record LoadedBatch(int[] Indices, long[] Shape, float[] Images, long[] Labels, string?[] FileNames)
{
    public static LoadedBatch From(Batch batch) => new(
        batch.Indices.ToArray(),
        batch.Images.shape,
        batch.Images.cpu().data<float>().ToArray(),
        batch.Labels.cpu().data<long>().ToArray(),
        batch.FileNames.ToArray());

    /// <summary>Every batch of an epoch, each disposed after copying.</summary>
    public static List<LoadedBatch> Epoch(DataLoader loader, int epoch)
    {
        var batches = new List<LoadedBatch>();
        foreach (Batch batch in loader.Epoch(epoch))
        {
            using (batch)
            using (torch.NewDisposeScope())
            {
                batches.Add(From(batch));
            }
        }

        return batches;
    }
}
