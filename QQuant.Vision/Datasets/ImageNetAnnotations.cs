using System.Globalization;

namespace QQuant.Vision;

/// <summary>Reads an ImageNet annotation file: one sample per line, its path and its label.</summary>
internal static class ImageNetAnnotations
{
    private const int ShownLineLength = 200;

    /// <summary>The files and labels of <paramref name="path"/>; every label must be below <paramref name="classCount"/>.</summary>
    public static (List<string> Files, List<int> Labels) Read(string path, ImageNetAnnotationFormat format, int classCount)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path, $"The annotation file '{Path.GetFullPath(path)}' (annFile) does not exist.");
        }

        var files = new List<string>();
        var labels = new List<int>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            (string file, string labelText) = Split(path, number, line, format);
            if (!int.TryParse(labelText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int label))
            {
                throw Malformed(path, number, line, $"the label '{labelText}' is not a whole number");
            }

            if (label < 0 || label >= classCount)
            {
                throw new DatasetFormatException(path,
                    $"{path}:{number}: the label {label} is outside the {classCount} classes (0..{classCount - 1}) in the line "
                    + $"'{Shown(line)}'; give the dataset's class names with the classes option.");
            }

            files.Add(file);
            labels.Add(label);
        }

        if (files.Count == 0)
        {
            throw new DatasetFormatException(path, $"The annotation file '{path}' holds no samples.");
        }

        return (files, labels);
    }

    private static (string File, string Label) Split(string path, int number, string line, ImageNetAnnotationFormat format)
    {
        string text = line.Trim();
        if (format == ImageNetAnnotationFormat.TabSeparated)
        {
            string[] fields = text.Split('\t');
            if (fields.Length is not (2 or 3) || fields[0].Trim().Length == 0)
            {
                throw Malformed(path, number, line,
                    $"expected 'path<TAB>label' or 'path<TAB>label<TAB>extra' (ImageNetV1's format), found {fields.Length} TAB-separated field(s)");
            }

            return (fields[0].Trim(), fields[1].Trim());
        }

        // Split at the last space so that paths with spaces still work.
        int space = text.LastIndexOf(' ');
        if (space <= 0)
        {
            string hint = text.Contains('\t', StringComparison.Ordinal)
                ? "; TAB-separated lines are ImageNetV1's format (type: ImageNetV1)"
                : "";
            throw Malformed(path, number, line, $"expected 'relative/path label' separated by a space{hint}");
        }

        return (text[..space].TrimEnd(), text[(space + 1)..]);
    }

    private static DatasetFormatException Malformed(string path, int number, string line, string problem) =>
        new(path, $"{path}:{number}: {problem}, in the line '{Shown(line)}'.");

    private static string Shown(string line) => line.Length <= ShownLineLength ? line : line[..ShownLineLength] + "...";
}
