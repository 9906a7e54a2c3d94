using static TorchSharp.torch;

namespace QQuant;

/// <summary>One place in a module graph: a module, its dotted path, and the parent that holds it under a local name.</summary>
internal sealed record ModuleNode(string Path, nn.Module Module, nn.Module Parent, string LocalName, bool IsLeaf);
