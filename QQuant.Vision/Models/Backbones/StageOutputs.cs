using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Collects the stage outputs a backbone's <c>outIndices</c> ask for while its forward runs, and hands them back in
/// the order the indices were listed.
/// </summary>
internal sealed class StageOutputs
{
    private readonly IReadOnlyList<int> _indices;
    private readonly Dictionary<int, Tensor> _taken = [];

    public StageOutputs(IReadOnlyList<int> indices) => _indices = indices;

    /// <summary>The highest index asked for: stages after it need not run.</summary>
    public int Last => _indices.Max();

    /// <summary>Keeps <paramref name="output"/> when stage <paramref name="index"/> is wanted; true once every stage asked for has run.</summary>
    public bool Offer(int index, Tensor output)
    {
        if (_indices.Contains(index))
        {
            _taken[index] = output;
        }

        return index >= Last;
    }

    /// <summary>The kept outputs in listed order, moved out of <paramref name="scope"/> so they outlive it.</summary>
    public IReadOnlyList<Tensor> MoveOut(DisposeScope scope)
    {
        var outputs = _indices.Select(i => _taken[i]).ToList();
        scope.MoveToOuter(outputs);
        return outputs;
    }

    /// <summary>
    /// Checks a backbone's <c>outIndices</c>: not empty, no repeats, each in <c>0 .. count - 1</c>.
    /// <paramref name="meaning"/> says what the valid indices stand for, for the message.
    /// </summary>
    public static IReadOnlyList<int> Validate(IReadOnlyList<int>? indices, int count, string meaning)
    {
        if (indices is null || indices.Count == 0)
        {
            throw new ArgumentException($"outIndices must list at least one index in 0..{count - 1} ({meaning}).");
        }

        foreach (int index in indices)
        {
            if (index < 0 || index >= count)
            {
                throw new ArgumentException(
                    $"outIndices has {index}, out of range: valid indices are 0..{count - 1} ({meaning}).");
            }
        }

        if (indices.Distinct().Count() != indices.Count)
        {
            throw new ArgumentException($"outIndices lists an index twice: [{string.Join(", ", indices)}].");
        }

        return indices.ToArray();
    }

    /// <summary>Checks a backbone's input is <c>[N, inChannels, H, W]</c>.</summary>
    public static void CheckInput(string backbone, Tensor input, int inChannels)
    {
        if (input.dim() != 4 || input.shape[1] != inChannels)
        {
            throw new ArgumentException(
                $"{backbone} takes images [N, {inChannels}, H, W] (inChannels: {inChannels}), got [{string.Join(", ", input.shape)}].");
        }
    }
}
