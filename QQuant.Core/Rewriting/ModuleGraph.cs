using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Walks a module graph through <c>named_children()</c> (which <c>Sequential</c>, <c>ModuleList</c> and
/// <c>ModuleDict</c> answer too), depth first, parents before children. Quantized layers and quantizers count as
/// leaves: what is inside them belongs to them.
/// </summary>
internal static class ModuleGraph
{
    public static IReadOnlyList<ModuleNode> Walk(nn.Module root)
    {
        var nodes = new List<ModuleNode>();
        Visit(root, prefix: "", nodes, ancestors: new HashSet<nn.Module>(ReferenceEqualityComparer.Instance) { root });
        return nodes;
    }

    public static bool IsAtomic(nn.Module module) => module is IQuantizedLayer or IQuantizer;

    private static void Visit(nn.Module parent, string prefix, List<ModuleNode> nodes, HashSet<nn.Module> ancestors)
    {
        foreach (var (name, child) in parent.named_children())
        {
            string path = prefix + name;
            bool isLeaf = IsAtomic(child) || !child.named_children().Any();
            nodes.Add(new ModuleNode(path, child, parent, name, isLeaf));
            if (!isLeaf && ancestors.Add(child))
            {
                Visit(child, path + ".", nodes, ancestors);
                ancestors.Remove(child);
            }
        }
    }
}
