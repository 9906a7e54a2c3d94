using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace QQuant.Samples.Faults;

/// <summary>
/// <c>images</c>: truncated, empty, mislabelled, 16-bit, CMYK, grey-with-alpha files and decompression bombs (headers
/// claiming billions of pixels), each loaded through <see cref="LoadImageFromFile"/>, an <see cref="ImageNet"/> image
/// folder and <see cref="ClassifierInference"/> (<c>qquant infer</c>). Survived: an <see cref="ImageLoadException"/>
/// (or other <see cref="QQuantException"/>) naming the file, or the pixels that were written (never a hang),
/// and, for a bomb, within a second and without a large allocation.
/// </summary>
internal sealed class ImageFaults : IFaultClass
{
    private const long AllocationLimit = 256L << 20;

    private static readonly string[] Paths = ["load", "image-folder", "infer"];

    public string Name => "images";

    public string Description => "Truncated, empty, mislabelled, 16-bit, CMYK, grey+alpha images and decompression bombs: a clear error naming the file or the right pixels.";

    public int Cases(bool full) => FaultImages.All().Count * Paths.Length;

    public FaultOutcome Run(FaultRun run)
    {
        var tally = new FaultTally();
        IReadOnlyList<FaultImage> images = FaultImages.All();
        using ServiceProvider services = CliServices.Create();
        using ClassifierInference inference = OpenInference(services);
        for (int i = 0; i < run.Cases; i++)
        {
            FaultImage image = images[i / Paths.Length % images.Count];
            string path = Paths[i % Paths.Length];
            string folder = Path.Combine(run.Folder, $"case{i}", "class0");
            Directory.CreateDirectory(folder);
            string file = Path.Combine(folder, image.FileName);
            File.WriteAllBytes(file, image.Bytes);
            string? problem = Check(image, file, () => Load(path, file, inference));
            if (problem is null)
            {
                tally.Pass();
            }
            else
            {
                tally.Fail($"{image.Name} ({image.FileName}) through {path}: {problem}");
            }

            run.Progress.WriteLine($"{image.Name} via {path}: {problem ?? "survived"}");
        }

        return tally.Outcome();
    }

    /// <summary>Loads <paramref name="file"/> as <paramref name="path"/> does, as HWC pixels (one or three channels).</summary>
    private static (int Width, int Height, int Channels, byte[] Pixels) Load(string path, string file, ClassifierInference inference)
    {
        switch (path)
        {
            case "load":
            {
                // As stored: grey files give one channel.
                var load = new LoadImageFromFile(new LoadImageFromFileOptions { ColorType = ColorType.Unchanged });
                using Sample sample = load.Apply(new Sample { FileName = file }, new Random(0));
                return Pixels(sample.Image!);
            }
            case "image-folder":
            {
                var load = new LoadImageFromFile(new LoadImageFromFileOptions());
                var dataset = new ImageNet(new ImageNetOptions { DataPrefix = Path.GetDirectoryName(Path.GetDirectoryName(file))!, Pipeline = [load] });
                using Sample sample = dataset.Get(0, new Random(0));
                return Pixels(sample.Image!);
            }
            default:
            {
                using Tensor batch = inference.Preprocess([file]);
                Prediction prediction = inference.Predict(file);
                if (!double.IsFinite(prediction.PredScore))
                {
                    throw new InvalidOperationException($"the prediction's score is {prediction.PredScore}");
                }

                var (channels, height, width) = ((int)batch.shape[1], (int)batch.shape[2], (int)batch.shape[3]);
                float[] chw = batch.data<float>().ToArray();
                var hwc = new byte[chw.Length];
                for (int c = 0; c < channels; c++)
                {
                    for (int p = 0; p < height * width; p++)
                    {
                        hwc[p * channels + c] = (byte)chw[c * height * width + p];
                    }
                }

                return (width, height, channels, hwc);
            }
        }
    }

    private static (int Width, int Height, int Channels, byte[] Pixels) Pixels(Image image)
    {
        if (image is Image<L8> grey)
        {
            var bytes = new byte[grey.Width * grey.Height];
            grey.CopyPixelDataTo(bytes);
            return (grey.Width, grey.Height, 1, bytes);
        }

        var rgb = new byte[image.Width * image.Height * 3];
        ((Image<Rgb24>)image).CopyPixelDataTo(rgb);
        return (image.Width, image.Height, 3, rgb);
    }

    /// <summary>Null when loading behaved as promised, else what went wrong.</summary>
    internal static string? Check(FaultImage image, string file, Func<(int Width, int Height, int Channels, byte[] Pixels)> load)
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        (int Width, int Height, int Channels, byte[] Pixels) loaded;
        try
        {
            loaded = load();
        }
        catch (QQuantException e)
        {
            if (image.Pixels is not null && !image.MayBeRefused)
            {
                return $"refused a valid image: {e.Message}";
            }

            return e.Message.Contains(file, StringComparison.Ordinal)
                ? Costly(image, allocated, clock)
                : $"the error does not name the file: {e.Message}";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }

        if (image.Pixels is not { } expected)
        {
            return $"loaded as {loaded.Width}x{loaded.Height}x{loaded.Channels} instead of being refused";
        }

        return Compare(expected, loaded) ?? Costly(image, allocated, clock);
    }

    private static string? Costly(FaultImage image, long allocatedBefore, Stopwatch clock)
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        if (image.IsBomb && allocated > AllocationLimit)
        {
            return $"allocated {allocated >> 20} MiB before refusing";
        }

        // A bomb is refused from its header, at once; any other file may take a first model call's warm-up, not a hang.
        double limit = image.IsBomb ? 1 : 10;
        return clock.Elapsed.TotalSeconds > limit ? $"took {clock.Elapsed.TotalSeconds:0.0} s" : null;
    }

    private static string? Compare(ExpectedPixels expected, (int Width, int Height, int Channels, byte[] Pixels) loaded)
    {
        if (loaded.Width != expected.Width || loaded.Height != expected.Height)
        {
            return $"loaded as {loaded.Width}x{loaded.Height}, written {expected.Width}x{expected.Height}";
        }

        if (loaded.Channels == 1 && !expected.StoredGrey)
        {
            return "a colour image loaded with one channel";
        }

        var worst = new StringBuilder();
        int largest = 0;
        for (int p = 0; p < expected.Width * expected.Height; p++)
        {
            for (int c = 0; c < loaded.Channels; c++)
            {
                int want = expected.Rgb[p * 3 + c];
                int got = loaded.Pixels[p * loaded.Channels + c];
                if (Math.Abs(want - got) > Math.Max(largest, expected.Tolerance))
                {
                    largest = Math.Abs(want - got);
                    worst.Clear().Append($"pixel ({p % expected.Width}, {p / expected.Width}) channel {c} is {got}, written {want}");
                }
            }
        }

        return largest == 0 ? null : worst.ToString();
    }

    // A float one-channel-agnostic classifier (no quantizers, so fresh weights evaluate) whose test pipeline keeps the
    // decoded pixels as they are: Preprocess then returns exactly what the loader produced.
    private static ClassifierInference OpenInference(ServiceProvider services)
    {
        const string json = """
            {
              "model": {
                "type": "ImageClassifier",
                "backbone": { "type": "CifarResNet", "depth": 20, "inChannels": 3 },
                "neck": { "type": "GlobalAveragePooling" },
                "head": { "type": "LinearClsHead", "numClasses": 2, "inChannels": 64 }
              },
              "data": { "test": { "pipeline": [
                { "type": "ImageToTensor", "keys": [ "img" ] },
                { "type": "Collect", "keys": [ "img" ] }
              ] } }
            }
            """;
        IConfiguration config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        return services.GetRequiredService<ClassifierFactory>().OpenForInference(config, null, new InferenceOptions { Classes = ["a", "b"] });
    }
}
