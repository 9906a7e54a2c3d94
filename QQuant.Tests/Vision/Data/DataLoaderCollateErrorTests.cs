using QQuant.Vision;

namespace QQuant.Tests.Vision.Data;

public class DataLoaderCollateErrorTests
{
    private static DataLoadException Load(SyntheticDataset dataset, int workers = 0)
    {
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = 3, Workers = workers });
        return Assert.Throws<DataLoadException>(() => LoadedBatch.Epoch(loader, 0));
    }

    [Fact]
    public void A_sample_without_pixels_asks_for_image_to_tensor()
    {
        DataLoadException error = Load(new SyntheticDataset(6) { NoPixelsAt = 4 });

        Assert.Equal(4, error.SampleIndex);
        Assert.Contains("Sample 4 (img4.png)", error.Message);
        Assert.Contains("ImageToTensor", error.Message);
    }

    [Fact]
    public void Hwc_pixels_ask_for_image_to_tensor()
    {
        DataLoadException error = Load(new SyntheticDataset(6) { HwcAt = 2 }, workers: 2);

        Assert.Equal(2, error.SampleIndex);
        Assert.Contains("Hwc", error.Message);
        Assert.Contains("ImageToTensor", error.Message);
    }

    [Fact]
    public void A_sample_of_another_size_names_both_shapes()
    {
        DataLoadException error = Load(new SyntheticDataset(6) { WiderAt = 5 });

        Assert.Equal(5, error.SampleIndex);
        Assert.Contains("2x3x5", error.Message);
        Assert.Contains("sample 3, the first of its batch, is 2x3x4", error.Message);
    }

    [Fact]
    public void A_label_outside_the_classes_is_rejected()
    {
        DataLoadException error = Load(new SyntheticDataset(6, classes: 3) { Label = i => i == 1 ? 3 : 0 });

        Assert.Equal(1, error.SampleIndex);
        Assert.Contains("label 3, outside 0..2", error.Message);
    }

    [Fact]
    public void Labelled_and_unlabelled_samples_cannot_share_a_batch()
    {
        DataLoadException error = Load(new SyntheticDataset(6) { Label = i => i == 4 ? -1 : 1 });

        Assert.Equal(4, error.SampleIndex);
        Assert.Contains("Sample 4 has no label (-1) but sample 3", error.Message);
    }
}
