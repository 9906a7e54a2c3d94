using System.CommandLine;
using System.Globalization;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant bench data</c>: images per second that the data loader delivers for Fashion-MNIST from memory and for an
/// ImageNet-style JPEG folder (generated for the run) through the training pipeline, for several worker counts, each
/// the median of timed runs after a warm-up, with the speed-up over loading on the calling thread.
/// </summary>
internal static class BenchDataCommand
{
    private static readonly double[] ImageNetMean = [123.675, 116.28, 103.53];
    private static readonly double[] ImageNetStd = [58.395, 57.12, 57.375];

    /// <summary>The JPEG folder's batch size (the last partial batch is dropped).</summary>
    private const int FolderBatch = 32;

    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var fashion = new Option<DirectoryInfo>("--fashion-mnist")
        {
            Description = "The folder of Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist installs them here).",
            DefaultValueFactory = _ => new DirectoryInfo("/usr/share/datasets/fashion-mnist"),
        };
        var jpegs = new Option<int>("--jpegs") { Description = "How many JPEGs to generate for the folder benchmark.", DefaultValueFactory = _ => 256 };
        var workers = new Option<int[]>("--workers")
        {
            Description = "Worker counts to measure.",
            DefaultValueFactory = _ => [0, 1, 2],
            AllowMultipleArgumentsPerToken = true,
        };
        var runs = new Option<int>("--runs") { Description = "Timed runs per setting (the median is printed).", DefaultValueFactory = _ => 5 };
        var data = new Command("data", "Images per second of the data loader: Fashion-MNIST from memory and a JPEG folder through RandomResizedCrop(224).")
        {
            fashion, jpegs, workers, runs,
        };
        data.SetAction(parsed =>
        {
            int[] counts = parsed.GetValue(workers)!;
            int timedRuns = parsed.GetValue(runs);
            RequireSettings(counts, timedRuns, parsed.GetValue(jpegs));
            FashionMnist(output, progress, parsed.GetValue(fashion)!, counts, timedRuns);
            JpegFolder(output, progress, parsed.GetValue(jpegs), counts, timedRuns);
            return 0;
        });
        return data;
    }

    private static void RequireSettings(int[] workers, int runs, int jpegs)
    {
        if (workers.Any(w => w < 0))
        {
            throw new QQuantException($"--workers: every count must be 0 (load on the calling thread) or more; got {string.Join(' ', workers)}.");
        }

        if (runs < 1)
        {
            throw new QQuantException($"--runs must be at least 1; got {runs}.");
        }

        if (jpegs < FolderBatch)
        {
            throw new QQuantException($"--jpegs must be at least {FolderBatch}, one batch of the folder benchmark; got {jpegs}.");
        }
    }

    private static void FashionMnist(TextWriter output, TerminalProgress progress, DirectoryInfo folder, int[] workers, int runs)
    {
        if (!folder.Exists)
        {
            throw new QQuantException(
                $"Fashion-MNIST is not in '{folder.FullName}': install Debian's dataset-fashion-mnist or pass --fashion-mnist <folder>.");
        }

        var dataset = new FashionMNIST(new MNISTOptions
        {
            DataPrefix = folder.FullName,
            Pipeline = PipelineBuilder.Create()
                .RandomFlip(0.5)
                .Normalize([72.94], [90.02])
                .ImageToTensor()
                .Collect("img", "gt_label")
                .Transforms,
        });
        output.WriteLine($"Fashion-MNIST, {dataset.Count} images of 1x28x28 from memory: RandomFlip -> Normalize -> ImageToTensor -> Collect, batch 256");
        Measure(output, progress, "bench data Fashion-MNIST", dataset, 256, batches: 40, workers, runs);
    }

    private static void JpegFolder(TextWriter output, TerminalProgress progress, int count, int[] workers, int runs)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"qquant-bench-jpegs-{Guid.NewGuid():N}");
        try
        {
            WriteJpegs(folder, count);
            var dataset = new ImageNet(new ImageNetOptions
            {
                DataPrefix = folder,
                Pipeline = PipelineBuilder.Create()
                    .LoadImageFromFile()
                    .RandomResizedCrop(224)
                    .RandomFlip(0.5)
                    .Normalize(ImageNetMean, ImageNetStd)
                    .ImageToTensor()
                    .Collect("img", "gt_label")
                    .Transforms,
            });
            output.WriteLine();
            output.WriteLine($"ImageNet-style folder, {count} JPEGs of 500x375 (generated): LoadImageFromFile -> RandomResizedCrop(224) "
                             + $"-> RandomFlip -> Normalize -> ImageToTensor -> Collect, batch {FolderBatch}");
            Measure(output, progress, "bench data JPEG folder", dataset, FolderBatch, batches: count / FolderBatch, workers, runs);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static void Measure(TextWriter output, TerminalProgress progress, string stage, ImageDataset dataset, int batchSize, int batches, int[] workers, int runs)
    {
        double? serial = null;
        foreach ((int count, int index) in workers.Select((w, i) => (w, i)))
        {
            progress.Line(stage, index + 1, workers.Length, $"workers {count}");
            var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = batchSize, Shuffle = true, Seed = 0, DropLast = true, Workers = count });
            DataThroughputResult result = DataThroughput.Measure(loader, batches, runs);
            serial ??= count == 0 ? result.ImagesPerSecond : null;
            string speedUp = serial is { } baseline && count > 0
                ? $", {(result.ImagesPerSecond / baseline).ToString("0.00", CultureInfo.InvariantCulture)}x workers 0"
                : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  workers {count}: {result.ImagesPerSecond,9:N0} images/s (median of {runs} runs of {batches} batches{speedUp})"));
        }
    }

    /// <summary>Photographs stand-in: smooth gradients plus noise, so JPEG decoding costs what a real photo costs.</summary>
    private static void WriteJpegs(string folder, int count)
    {
        var random = new Random(0);
        var encoder = new JpegEncoder { Quality = 90 };
        for (int i = 0; i < count; i++)
        {
            string classFolder = Path.Combine(folder, $"class{i % 4}");
            Directory.CreateDirectory(classFolder);
            using var image = new Image<Rgb24>(500, 375);
            int phase = random.Next(256);
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    Span<Rgb24> row = rows.GetRowSpan(y);
                    for (int x = 0; x < row.Length; x++)
                    {
                        int noise = random.Next(32);
                        row[x] = new Rgb24((byte)((x + phase + noise) & 255), (byte)((y * 2 + noise) & 255), (byte)((x + y + phase) / 4 & 255));
                    }
                }
            });
            image.SaveAsJpeg(Path.Combine(classFolder, $"{i:D4}.jpg"), encoder);
        }
    }
}
