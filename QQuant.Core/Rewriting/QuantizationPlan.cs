using static TorchSharp.torch;

namespace QQuant;

/// <summary>The checked outcome of a policy on one model: the report rows and the replacements to make.</summary>
internal sealed record QuantizationPlan(IReadOnlyList<LayerDecision> Rows, IReadOnlyList<PlannedReplacement> Replacements);

/// <summary>One float module instance to replace, and every slot (one per path) it sits in.</summary>
internal sealed record PlannedReplacement(
    nn.Module<Tensor, Tensor> Original,
    string Path,
    QuantTarget Target,
    IReadOnlyList<ModuleSlot> Slots);
