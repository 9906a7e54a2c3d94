namespace QQuant.Vision;

/// <summary>
/// CIFAR-100 (<c>type: CIFAR100</c>) from its binary version: <c>train.bin</c> (50 000 images) or <c>test.bin</c>
/// (10 000, with <c>testMode</c>), in <c>dataPrefix</c> or its <c>cifar-100-binary</c> sub-folder. Each record holds
/// a coarse and a fine label; the label is the fine one (100 classes). Samples are 32x32 <c>Image&lt;Rgb24&gt;</c>.
/// </summary>
public sealed class CIFAR100 : InMemoryImageDataset
{
    private const string SubFolder = "cifar-100-binary";

    /// <summary>Reads the split <paramref name="options"/> names.</summary>
    /// <exception cref="DatasetFormatException">A file is missing, truncated or holds a fine label above 99.</exception>
    public CIFAR100(CIFAROptions options) : this(options, Read(options))
    {
    }

    private CIFAR100(CIFAROptions options, InMemoryImages images)
        : base(options.Pipeline, images.Pixels, images.Labels, 3, CifarBinary.Side, CifarBinary.Side, images.Classes, options.TestMode)
    {
    }

    /// <summary>The hundred fine class names in their standard (alphabetical) order, <c>apple</c> .. <c>worm</c>.</summary>
    public static IReadOnlyList<string> StandardClasses { get; } = Array.AsReadOnly(
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ]);

    private static InMemoryImages Read(CIFAROptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string folder = DatasetFiles.Folder(options.DataPrefix);
        string name = options.TestMode ? "test.bin" : "train.bin";
        string file = DatasetFiles.Find(folder, [SubFolder], [name], $"CIFAR-100 '{name}'");
        (byte[] pixels, int[] labels) = CifarBinary.Read([file], labelBytes: 2, labelIndex: 1, StandardClasses.Count);
        IReadOnlyList<string> classes = DatasetClasses.Resolve(options.Classes, () => StandardClasses);
        DatasetClasses.EnsureCovers(classes, labels, file);
        return new InMemoryImages(pixels, labels, classes);
    }
}
