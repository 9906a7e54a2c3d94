using System.Text.RegularExpressions;

namespace QQuant.Vision;

/// <summary>
/// An ImageNet-style image folder (<c>type: ImageNet</c>). Samples are file names relative to <c>dataPrefix</c> (the
/// pipeline's <c>LoadImageFromFile</c> decodes them), listed in one of two ways:
/// <list type="bullet">
/// <item>without <c>annFile</c>: one sub-folder of <c>dataPrefix</c> per class, sorted by name (ordinal) to give the
/// labels 0, 1, ...; the samples are the image files (.jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp, any case) below
/// each, sorted by path;</item>
/// <item>with <c>annFile</c>: one sample per line, <c>relative/path label</c>, split at the last space (so paths may
/// contain spaces); blank lines are skipped.</item>
/// </list>
/// The class names (<see cref="Classes"/>), unless the <c>classes</c> option gives them: with <c>annFile</c>, the 1000
/// <see cref="ImageNetClasses"/> (as the reference); from folders, the folder names, except that 1000 WordNet-id
/// folders (<c>n01440764</c> ...), the layout of ImageNet itself, get the <see cref="ImageNetClasses"/> names, which
/// follow the same sorted order. The reference always reports the ImageNet names, which is wrong for any other folder.
/// </summary>
public class ImageNet : ImageDataset
{
    private static readonly Regex WordNetId = new("^n[0-9]{8}$", RegexOptions.CultureInvariant);

    private readonly List<string> _files;
    private readonly List<int> _labels;

    /// <summary>Lists the samples <paramref name="options"/> describes.</summary>
    /// <exception cref="DatasetFormatException">
    /// The folder or annotation file is missing or empty, a line is malformed, or a label has no class.
    /// </exception>
    public ImageNet(ImageNetOptions options) : this(options, ImageNetAnnotationFormat.SpaceSeparated)
    {
    }

    private protected ImageNet(ImageNetOptions options, ImageNetAnnotationFormat format) : base(options?.Pipeline)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        DataPrefix = DatasetFiles.Folder(options.DataPrefix);
        AnnFile = options.AnnFile;
        TestMode = options.TestMode;
        if (string.IsNullOrWhiteSpace(options.AnnFile))
        {
            (List<string> folders, _files, _labels) = ImageFolderScan.Scan(DataPrefix);
            Classes = FolderClasses(options.Classes, folders, DataPrefix);
        }
        else
        {
            Classes = DatasetClasses.Resolve(options.Classes, () => ImageNetClasses.Names);
            (_files, _labels) = ImageNetAnnotations.Read(options.AnnFile, format, Classes.Count);
        }
    }

    /// <inheritdoc />
    public override int Count => _files.Count;

    /// <inheritdoc />
    public override IReadOnlyList<string> Classes { get; }

    /// <summary>The folder the file names are relative to (<c>dataPrefix</c>).</summary>
    public string DataPrefix { get; }

    /// <summary>The annotation file the samples were read from, or null when the class folders were scanned.</summary>
    public string? AnnFile { get; }

    /// <summary>Whether this is the evaluation split (kept for the pipeline's and the evaluator's information).</summary>
    public bool TestMode { get; }

    /// <summary>The file of sample <paramref name="index"/>, relative to <see cref="DataPrefix"/>.</summary>
    public string FileNameOf(int index)
    {
        CheckIndex(index);
        return _files[index];
    }

    /// <inheritdoc />
    public override int LabelOf(int index)
    {
        CheckIndex(index);
        return _labels[index];
    }

    /// <summary>Sample <paramref name="index"/>: its file name, <see cref="DataPrefix"/> and label; no image yet.</summary>
    public override Sample Load(int index)
    {
        CheckIndex(index);
        return new Sample { FileName = _files[index], Prefix = DataPrefix, Label = _labels[index] };
    }

    private static IReadOnlyList<string> FolderClasses(IReadOnlyList<string>? configured, List<string> folders, string root)
    {
        if (configured is null)
        {
            return folders.Count == ImageNetClasses.Count && folders.All(WordNetId.IsMatch)
                ? ImageNetClasses.Names
                : folders.AsReadOnly();
        }

        IReadOnlyList<string> classes = DatasetClasses.Resolve(configured, () => folders);
        if (classes.Count != folders.Count)
        {
            throw new DatasetFormatException(root,
                $"The classes option gives {classes.Count} names, but '{root}' has {folders.Count} class sub-folders "
                + $"({string.Join(", ", folders.Take(5))}{(folders.Count > 5 ? ", ..." : "")}); give one name per sub-folder, in their sorted order.");
        }

        return classes;
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_files.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {_files.Count} samples.");
        }
    }
}
