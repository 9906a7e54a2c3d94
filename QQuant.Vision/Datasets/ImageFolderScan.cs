namespace QQuant.Vision;

/// <summary>
/// Lists an image folder laid out as one sub-folder per class: the classes are the sub-folders sorted by name
/// (ordinal), the samples every image file below each of them (any depth), sorted by relative path. Hidden entries
/// (names starting with '.') are skipped.
/// </summary>
internal static class ImageFolderScan
{
    /// <summary>The extensions of image files, compared ignoring case.</summary>
    public static readonly IReadOnlyList<string> Extensions =
        [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    /// <summary>The class folders and the samples, each file relative to <paramref name="root"/>.</summary>
    public static (List<string> Folders, List<string> Files, List<int> Labels) Scan(string root)
    {
        var skipHidden = new EnumerationOptions { RecurseSubdirectories = false };
        List<string> folders = Directory.EnumerateDirectories(root, "*", skipHidden)
            .Select(Path.GetFileName)
            .Select(name => name!)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (folders.Count == 0)
        {
            throw new DatasetFormatException(root,
                $"The image folder '{root}' has no class sub-folders; without annFile, dataPrefix must hold one sub-folder of images per class.");
        }

        var files = new List<string>();
        var labels = new List<int>();
        var recurse = new EnumerationOptions { RecurseSubdirectories = true };
        for (int label = 0; label < folders.Count; label++)
        {
            string folder = Path.Combine(root, folders[label]);
            IEnumerable<string> images = Directory.EnumerateFiles(folder, "*", recurse)
                .Where(IsImage)
                .Select(f => Path.GetRelativePath(root, f))
                .Order(StringComparer.Ordinal);
            foreach (string image in images)
            {
                files.Add(image);
                labels.Add(label);
            }
        }

        if (files.Count == 0)
        {
            throw new DatasetFormatException(root,
                $"The class sub-folders of '{root}' ({string.Join(", ", folders.Take(5))}{(folders.Count > 5 ? ", ..." : "")}) "
                + $"hold no image files; the extensions read are {string.Join(" ", Extensions)}.");
        }

        return (folders, files, labels);
    }

    private static bool IsImage(string path)
    {
        string extension = Path.GetExtension(path);
        return Extensions.Any(e => string.Equals(e, extension, StringComparison.OrdinalIgnoreCase));
    }
}
