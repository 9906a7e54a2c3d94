using QQuant.Vision;
using static QQuant.Tests.Vision.Datasets.DatasetTestFiles;

namespace QQuant.Tests.Vision.Datasets;

public sealed class ImageNetTests
{
    /// <summary>b_dog/x.jpeg, a_cat/1.png, a_cat/sub/2.JPG, a_cat/notes.txt, .hidden/3.png, c_empty/.</summary>
    private static void WriteFolders(string root)
    {
        WriteImage(Path.Combine(root, "b_dog", "x.jpeg"));
        WriteImage(Path.Combine(root, "a_cat", "1.png"));
        WriteImage(Path.Combine(root, "a_cat", "sub", "2.jpg"));
        File.Move(Path.Combine(root, "a_cat", "sub", "2.jpg"), Path.Combine(root, "a_cat", "sub", "2.JPG"));
        WriteText(Path.Combine(root, "a_cat", "notes.txt"), "not an image");
        WriteImage(Path.Combine(root, ".hidden", "3.png"));
        Directory.CreateDirectory(Path.Combine(root, "c_empty"));
    }

    [Fact]
    public void Folder_mode_labels_sorted_sub_folders_and_lists_their_images()
    {
        using var folder = new TemporaryFolder("imagenet");
        WriteFolders(folder.Path);

        var dataset = new ImageNet(new ImageNetOptions { DataPrefix = folder.Path });

        Assert.Equal(["a_cat", "b_dog", "c_empty"], dataset.Classes);
        Assert.Equal(3, dataset.Count);
        Assert.Equal(
            [Path.Combine("a_cat", "1.png"), Path.Combine("a_cat", "sub", "2.JPG"), Path.Combine("b_dog", "x.jpeg")],
            Enumerable.Range(0, 3).Select(dataset.FileNameOf));
        Assert.Equal([0, 0, 1], Enumerable.Range(0, 3).Select(dataset.LabelOf));
        Assert.Null(dataset.AnnFile);
    }

    [Fact]
    public void A_sample_carries_its_file_name_and_prefix_without_decoding()
    {
        using var folder = new TemporaryFolder("imagenet");
        WriteFolders(folder.Path);
        var dataset = new ImageNet(new ImageNetOptions { DataPrefix = folder.Path });

        using Sample sample = dataset.Load(2);

        Assert.Null(sample.Image);
        Assert.Equal(Path.Combine("b_dog", "x.jpeg"), sample.FileName);
        Assert.Equal(folder.Path, sample.Prefix);
        Assert.Equal(1, sample.Label);
        Assert.True(File.Exists(sample.FilePath));
    }

    [Fact]
    public void Thousand_wordnet_folders_get_the_imagenet_names()
    {
        using var folder = new TemporaryFolder("imagenet");
        for (int i = 0; i < 1000; i++)
        {
            Directory.CreateDirectory(Path.Combine(folder.Path, $"n{10000000 + i}"));
        }

        WriteImage(Path.Combine(folder.Path, "n10000999", "a.png"));

        var dataset = new ImageNet(new ImageNetOptions { DataPrefix = folder.Path });

        Assert.Same(ImageNetClasses.Names, dataset.Classes);
        Assert.Equal(999, dataset.LabelOf(0));
    }

    [Fact]
    public void Annotation_mode_splits_at_the_last_space_and_uses_the_imagenet_names()
    {
        using var folder = new TemporaryFolder("imagenet");
        string ann = WriteText(Path.Combine(folder.Path, "train.txt"), "train/a b/img 1.jpg 3\n\n  x.png 999  \r\nn/y.JPEG 0\n");

        var dataset = new ImageNet(new ImageNetOptions { DataPrefix = folder.Path, AnnFile = ann });

        Assert.Equal(3, dataset.Count);
        Assert.Equal(["train/a b/img 1.jpg", "x.png", "n/y.JPEG"], Enumerable.Range(0, 3).Select(dataset.FileNameOf));
        Assert.Equal([3, 999, 0], Enumerable.Range(0, 3).Select(dataset.LabelOf));
        Assert.Same(ImageNetClasses.Names, dataset.Classes);
        Assert.Equal(ann, dataset.AnnFile);
    }

    [Fact]
    public void ImageNetV1_reads_tab_separated_lines_with_or_without_the_third_field()
    {
        using var folder = new TemporaryFolder("imagenet");
        string ann = WriteText(Path.Combine(folder.Path, "v1.txt"), "nori 1\t5\t{\"extra\": 1}\nplain.jpg\t7\n");

        var dataset = new ImageNetV1(new ImageNetOptions { DataPrefix = folder.Path, AnnFile = ann });

        Assert.Equal(["nori 1", "plain.jpg"], Enumerable.Range(0, 2).Select(dataset.FileNameOf));
        Assert.Equal([5, 7], Enumerable.Range(0, 2).Select(dataset.LabelOf));
    }

    [Fact]
    public void ImageNetV1_scans_folders_too()
    {
        using var folder = new TemporaryFolder("imagenet");
        WriteFolders(folder.Path);

        var dataset = new ImageNetV1(new ImageNetOptions { DataPrefix = folder.Path });

        Assert.Equal(3, dataset.Count);
        Assert.Equal(["a_cat", "b_dog", "c_empty"], dataset.Classes);
    }

    [Fact]
    public void Classes_override_from_a_file_bounds_the_labels()
    {
        using var folder = new TemporaryFolder("imagenet");
        string names = WriteText(Path.Combine(folder.Path, "names.txt"), "cat\ndog\n");
        string ann = WriteText(Path.Combine(folder.Path, "ann.txt"), "a.png 1\nb.png 0\nc.png 2\n");

        var e = Assert.Throws<DatasetFormatException>(() => new ImageNet(new ImageNetOptions { DataPrefix = folder.Path, AnnFile = ann, Classes = [names] }));

        Assert.Contains($"{ann}:3", e.Message);
        Assert.Contains("'c.png 2'", e.Message);
        Assert.Contains("2 classes", e.Message);
    }

    [Fact]
    public void Classes_override_replaces_folder_names_and_must_match_their_count()
    {
        using var folder = new TemporaryFolder("imagenet");
        WriteFolders(folder.Path);

        var renamed = new ImageNet(new ImageNetOptions { DataPrefix = folder.Path, Classes = ["cat", "dog", "none"] });
        var e = Assert.Throws<DatasetFormatException>(() => new ImageNet(new ImageNetOptions { DataPrefix = folder.Path, Classes = ["cat", "dog"] }));

        Assert.Equal(["cat", "dog", "none"], renamed.Classes);
        Assert.Contains(folder.Path, e.Message);
        Assert.Contains("3 class sub-folders", e.Message);
    }

    [Fact]
    public void A_folder_without_class_sub_folders_is_named()
    {
        using var folder = new TemporaryFolder("imagenet");
        WriteImage(Path.Combine(folder.Path, "loose.png"));

        var e = Assert.Throws<DatasetFormatException>(() => new ImageNet(new ImageNetOptions { DataPrefix = folder.Path }));

        Assert.Contains(folder.Path, e.Message);
        Assert.Contains("no class sub-folders", e.Message);
    }

    [Fact]
    public void Sub_folders_without_images_are_named_with_the_extensions_read()
    {
        using var folder = new TemporaryFolder("imagenet");
        WriteText(Path.Combine(Directory.CreateDirectory(Path.Combine(folder.Path, "cls")).FullName, "a.gif"), "x");

        var e = Assert.Throws<DatasetFormatException>(() => new ImageNet(new ImageNetOptions { DataPrefix = folder.Path }));

        Assert.Contains(folder.Path, e.Message);
        Assert.Contains(".webp", e.Message);
    }

    [Fact]
    public void A_missing_annotation_file_or_folder_is_named()
    {
        using var folder = new TemporaryFolder("imagenet");
        string ann = Path.Combine(folder.Path, "missing.txt");
        string prefix = Path.Combine(folder.Path, "missing");

        var noAnn = Assert.Throws<DatasetFormatException>(() => new ImageNet(new ImageNetOptions { DataPrefix = folder.Path, AnnFile = ann }));
        var noPrefix = Assert.Throws<DatasetFormatException>(() => new ImageNet(new ImageNetOptions { DataPrefix = prefix }));

        Assert.Contains(ann, noAnn.Message);
        Assert.Contains(prefix, noPrefix.Message);
    }

    [Fact]
    public void An_empty_annotation_file_is_named()
    {
        using var folder = new TemporaryFolder("imagenet");
        string ann = WriteText(Path.Combine(folder.Path, "empty.txt"), "\n  \n");

        var e = Assert.Throws<DatasetFormatException>(() => new ImageNet(new ImageNetOptions { DataPrefix = folder.Path, AnnFile = ann }));

        Assert.Contains(ann, e.Message);
        Assert.Contains("no samples", e.Message);
    }

    [Theory]
    [InlineData("a.png 1\nnolabel\n", 2, "'nolabel'")]
    [InlineData("a.png one\n", 1, "'one' is not a whole number")]
    [InlineData("a.png 1\n\nb.png -1\n", 3, "the label -1")]
    [InlineData("a.png 1000\n", 1, "the label 1000 is outside the 1000 classes")]
    [InlineData("a.png\t3\textra\n", 1, "ImageNetV1")]
    public void Malformed_lines_name_the_file_and_line(string text, int line, string expected)
    {
        using var folder = new TemporaryFolder("imagenet");
        string ann = WriteText(Path.Combine(folder.Path, "ann.txt"), text);

        var e = Assert.Throws<DatasetFormatException>(() => new ImageNet(new ImageNetOptions { DataPrefix = folder.Path, AnnFile = ann }));

        Assert.StartsWith($"{ann}:{line}: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(ann, e.Path);
    }

    [Theory]
    [InlineData("a.png 3\n", "1 TAB-separated field")]
    [InlineData("a.png\t1\t2\t3\n", "4 TAB-separated field")]
    [InlineData("\t1\n", "'path<TAB>label'")]
    public void ImageNetV1_rejects_lines_without_two_or_three_tab_fields(string text, string expected)
    {
        using var folder = new TemporaryFolder("imagenet");
        string ann = WriteText(Path.Combine(folder.Path, "ann.txt"), text);

        var e = Assert.Throws<DatasetFormatException>(() => new ImageNetV1(new ImageNetOptions { DataPrefix = folder.Path, AnnFile = ann }));

        Assert.StartsWith($"{ann}:1: ", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
