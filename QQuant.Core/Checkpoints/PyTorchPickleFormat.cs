using System.Collections;
using System.IO.Compression;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// PyTorch's zip-based <c>torch.save</c> files (<c>.pth</c>, <c>.pt</c>), read and written through TorchSharp.PyBridge.
/// </summary>
/// <remarks>
/// PyBridge unpickles with Razorvine.Pickle, which never imports or calls Python code: it rebuilds tensors, dicts,
/// lists and numbers, and turns any other class it meets into a plain dictionary of fields. So a hostile file can
/// waste memory but cannot run code, unlike Python's <c>torch.load(weights_only=False)</c>. A file holding a pickled
/// module (rather than its state dict) is refused by PyBridge.
/// </remarks>
internal static class PyTorchPickleFormat
{
    /// <summary>The entries of a full training checkpoint that hold the model's state dict, in the order tried.</summary>
    private static readonly string[] StateDictEntries = ["state_dict", "model", "model_state_dict"];

    public static Dictionary<string, Tensor> Read(Stream stream, string source)
    {
        Hashtable root;
        try
        {
            root = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (NotImplementedException e)
        {
            throw new CheckpointFileException(source, $"Cannot read '{source}' as a PyTorch file: {e.Message} "
                + "(QQuant reads zip files written by torch.save(model.state_dict()) since PyTorch 1.6, or checkpoint "
                + "dicts holding such a state dict under 'state_dict' or 'model').", e);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidCastException or EndOfStreamException
                                      or InvalidOperationException or Razorvine.Pickle.PickleException)
        {
            throw new CheckpointFileException(source, $"Cannot read '{source}' as a PyTorch file: it is truncated, corrupt, "
                + $"or its top-level object is not a dict ({e.GetType().Name}: {e.Message}).", e);
        }

        Hashtable stateDict = StateDictEntries.Select(k => root[k]).OfType<Hashtable>().FirstOrDefault() ?? root;
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in stateDict)
        {
            if (entry.Key is string key && entry.Value is Tensor tensor)
            {
                result[key] = tensor;
            }
        }

        DisposeOthers(root, new HashSet<object>(result.Values, ReferenceEqualityComparer.Instance));
        if (result.Count == 0)
        {
            string keys = string.Join(", ", root.Keys.Cast<object>().Select(k => $"'{k}'").Take(20));
            throw new CheckpointFileException(source, $"'{source}' holds no tensors by name: its top-level keys are {keys}; "
                + $"expected a state dict or a dict with one under {string.Join(", ", StateDictEntries.Select(k => $"'{k}'"))}.");
        }

        return result;
    }

    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors)
    {
        // PyBridge writes each tensor's storage as it is laid out, so views must be made contiguous first.
        using var scope = NewDisposeScope();
        var dictionary = tensors.ToDictionary(p => p.Key, p => p.Value.contiguous());
        PyTorchPickler.PickleStateDict(stream, dictionary, leaveOpen: true);
    }

    /// <summary>Disposes the tensors of a loaded object tree that are not returned (an optimizer's state, for instance).</summary>
    private static void DisposeOthers(object? node, HashSet<object> keep)
    {
        switch (node)
        {
            case Tensor t when !keep.Contains(t):
                t.Dispose();
                break;
            case Tensor:
                break;
            case IDictionary dictionary:
                foreach (object? value in dictionary.Values)
                {
                    DisposeOthers(value, keep);
                }

                break;
            case IEnumerable items and not string:
                foreach (object? item in items)
                {
                    DisposeOthers(item, keep);
                }

                break;
        }
    }
}
