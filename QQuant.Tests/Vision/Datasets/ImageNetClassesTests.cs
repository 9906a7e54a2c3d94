using QQuant.Vision;

namespace QQuant.Tests.Vision.Datasets;

public sealed class ImageNetClassesTests
{
    [Fact]
    public void The_embedded_list_holds_the_thousand_names_in_the_standard_order()
    {
        IReadOnlyList<string> names = ImageNetClasses.Names;

        Assert.Equal(1000, names.Count);
        Assert.Equal("tench, Tinca tinca", names[0]);
        Assert.Equal("goldfish, Carassius auratus", names[1]);
        Assert.Equal("toilet tissue, toilet paper, bathroom tissue", names[999]);
        Assert.All(names, n => Assert.Equal(n.Trim(), n));
    }

    [Fact]
    public void Crane_is_the_only_name_that_imagenet_repeats()
    {
        IReadOnlyList<string> names = ImageNetClasses.Names;

        var repeated = names.Select((n, i) => (n, i)).GroupBy(p => p.n).Where(g => g.Count() > 1).ToList();

        Assert.Equal(999, names.Distinct().Count());
        var crane = Assert.Single(repeated);
        Assert.Equal("crane", crane.Key);
        Assert.Equal([134, 517], crane.Select(p => p.i));
    }
}
