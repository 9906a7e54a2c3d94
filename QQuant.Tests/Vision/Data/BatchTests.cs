using QQuant.Vision;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Data;

public class BatchTests
{
    [Fact]
    public void Disposing_a_batch_disposes_its_tensors()
    {
        var batch = new Batch(zeros(2, 1, 3, 3), tensor(new long[] { 0, 1 }), [5, 6]);

        batch.Dispose();

        Assert.True(batch.Images.IsInvalid);
        Assert.True(batch.Labels.IsInvalid);
        Assert.Equal([null, null], batch.FileNames);
        Assert.Empty(batch.Metas[1]);
    }

    [Fact]
    public void Labels_must_be_int64_with_one_per_image()
    {
        using var scope = NewDisposeScope();

        var wrongType = Assert.Throws<ArgumentException>(() => new Batch(zeros(2, 1, 3, 3), zeros(2), [0, 1]));
        var wrongCount = Assert.Throws<ArgumentException>(() => new Batch(zeros(2, 1, 3, 3), tensor(new long[] { 0 }), [0, 1]));
        var wrongImages = Assert.Throws<ArgumentException>(() => new Batch(zeros(2, 9), tensor(new long[] { 0, 1 }), [0, 1]));
        var wrongIndices = Assert.Throws<ArgumentException>(() => new Batch(zeros(2, 1, 3, 3), tensor(new long[] { 0, 1 }), [0]));

        Assert.Contains("int64 [2]", wrongType.Message);
        Assert.Contains("Float32", wrongType.Message);
        Assert.Contains("int64 [2], got Int64 [1]", wrongCount.Message);
        Assert.Contains("[N, C, H, W]", wrongImages.Message);
        Assert.Contains("needs 2 indices, got 1", wrongIndices.Message);
    }
}
