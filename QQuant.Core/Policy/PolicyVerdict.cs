namespace QQuant;

/// <summary>What a policy decides for one leaf, before the graph is considered.</summary>
/// <param name="Decision">Quantized, kept float, excepted or no rule (the planner adds "already quantized").</param>
/// <param name="Rule">The rule that decided, as reports print it; null when no rule matched.</param>
/// <param name="Target">The target when the decision is to quantize.</param>
/// <param name="Problem">Set when the deciding rule cannot apply to this module (the planner reports it).</param>
internal sealed record PolicyVerdict(QuantDecision Decision, string? Rule, QuantTarget? Target, string? Problem = null);
