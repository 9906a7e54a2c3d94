using System.Text.Json;
using QQuant.Training;

namespace QQuant.Samples.Faults;

/// <summary>
/// What a killed training run may leave in its work dir: every file named like a checkpoint (<c>epoch_k.ckpt</c>,
/// <c>latest.ckpt</c>) loads and verifies and records its epoch, <c>latest.ckpt</c> points to one of the epoch files,
/// and every finished line of the JSON logs is a JSON object (a resumed run never continues a killed run's half line).
/// </summary>
internal static class WorkDirCheck
{
    /// <summary>The outcome: the epoch <c>latest.ckpt</c> holds (0 when there is none), or the problem found.</summary>
    internal sealed record Result(int LatestEpoch, string? Problem, bool LostData)
    {
        public bool Passed => Problem is null;
    }

    public static Result Inspect(string workDir)
    {
        if (!Directory.Exists(workDir))
        {
            return new Result(0, null, false);
        }

        var epochs = new HashSet<int>();
        int latest = 0;
        foreach (string path in Directory.EnumerateFileSystemEntries(workDir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            if (name.EndsWith(CheckpointFiles.Extension, StringComparison.Ordinal))
            {
                (int epoch, string? problem) = Verify(path);
                if (problem is not null)
                {
                    return new Result(0, problem, true);
                }

                if (name == CheckpointFiles.LatestName)
                {
                    latest = epoch;
                    continue;
                }

                if (path != CheckpointFiles.ForEpoch(workDir, epoch))
                {
                    return new Result(0, $"{name} holds the checkpoint of epoch {epoch}", true);
                }

                epochs.Add(epoch);
            }
            else if (name.EndsWith(".log.json", StringComparison.Ordinal) && BrokenLine(path) is { } line)
            {
                return new Result(0, $"{name} has a line that is not JSON: '{line}'", false);
            }
        }

        if (latest > 0 && !epochs.Contains(latest))
        {
            return new Result(0, $"latest.ckpt holds epoch {latest} but epoch_{latest}.ckpt is missing", true);
        }

        return new Result(latest, null, false);
    }

    private static (int Epoch, string? Problem) Verify(string path)
    {
        try
        {
            using Checkpoint checkpoint = Checkpoint.Load(path);
            return checkpoint.Meta.Epoch >= 1 && checkpoint.HasOptimizerState
                ? (checkpoint.Meta.Epoch, null)
                : (0, $"{Path.GetFileName(path)} loads but records epoch {checkpoint.Meta.Epoch}, optimizer state {checkpoint.HasOptimizerState}");
        }
        catch (Exception e)
        {
            return (0, $"{Path.GetFileName(path)} does not load ({e.GetType().Name}): {e.Message}");
        }
    }

    // A killed writer may leave its last line unfinished (no newline); every finished line must parse.
    private static string? BrokenLine(string path)
    {
        string text = File.ReadAllText(path);
        string[] lines = text.Split('\n');
        foreach (string line in lines.Take(lines.Length - 1))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return line;
                }
            }
            catch (JsonException)
            {
                return line;
            }
        }

        return null;
    }
}
