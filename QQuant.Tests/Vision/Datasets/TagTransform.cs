using QQuant.Vision;

namespace QQuant.Tests.Vision.Datasets;

/// <summary>A pipeline step for the tests: appends its tag to the sample's <c>tags</c> meta entry.</summary>
internal sealed class TagTransform(string tag) : ITransform
{
    public const string TypeName = "DatasetTestTag";

    public string Tag { get; } = tag;

    public Sample Apply(Sample sample, Random random)
    {
        sample.Meta["tags"] = (sample.Meta.TryGetValue("tags", out object? tags) ? (string)tags : "") + Tag;
        return sample;
    }
}
