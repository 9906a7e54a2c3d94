using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Applies a policy's precedence to every leaf of a model and checks everything that could stop the rewrite, so
/// that <see cref="ModuleQuantizationExtensions.Quantize"/> either changes everything or nothing.
/// </summary>
internal static class QuantizationPlanner
{
    private const int LeavesListed = 12;

    public static QuantizationPlan Plan(nn.Module model, QuantPolicy policy)
    {
        IReadOnlyList<ModuleNode> nodes = ModuleGraph.Walk(model);
        List<ModuleNode> leaves = nodes.Where(n => n.IsLeaf).ToList();
        var problems = new List<string>();
        CheckExactNames(policy, nodes, problems);
        CheckPatterns(policy, nodes, leaves, problems);

        var rows = new List<LayerDecision>();
        var decided = new List<(ModuleNode Node, PolicyVerdict Verdict)>();
        foreach (ModuleNode leaf in leaves)
        {
            if (leaf.Module is IQuantizedLayer quantized)
            {
                rows.Add(AlreadyQuantizedRow(leaf, quantized));
                continue;
            }

            PolicyVerdict verdict = policy.Decide(leaf.Path, leaf.Module.GetType());
            if (verdict.Problem is not null)
            {
                problems.Add($"'{leaf.Path}' ({leaf.Module.GetType().Name}): {verdict.Problem}");
            }

            rows.Add(Row(leaf, verdict));
            decided.Add((leaf, verdict));
        }

        List<PlannedReplacement> replacements = PlanReplacements(decided, problems);
        if (problems.Count > 0)
        {
            throw new QuantizationException(model.GetType().Name, problems);
        }

        return new QuantizationPlan(rows, replacements);
    }

    private static void CheckExactNames(QuantPolicy policy, IReadOnlyList<ModuleNode> nodes, List<string> problems)
    {
        // TorchSharp lets a Sequential repeat a name; the first module under a name is the one a name rule means.
        var byPath = nodes.GroupBy(n => n.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (NameRule rule in policy.ExactRules)
        {
            string name = rule.Pattern.Text;
            if (!byPath.TryGetValue(name, out ModuleNode? node))
            {
                problems.Add($"{rule}: no module is named '{name}'; "
                             + NearestNames.Suggest(name, nodes.Select(n => n.Path)));
            }
            else if (!node.IsLeaf)
            {
                List<string> inside = nodes.Where(n => n.IsLeaf && n.Path.StartsWith(name + ".", StringComparison.Ordinal))
                    .Select(n => n.Path).ToList();
                string listed = string.Join(", ", inside.Take(LeavesListed))
                                + (inside.Count > LeavesListed ? $" and {inside.Count - LeavesListed} more" : "");
                problems.Add($"{rule}: '{name}' is a container ({node.Module.GetType().Name}), rules name leaves; "
                             + $"the leaves inside it are {listed} (or write the pattern '{name}.**')");
            }
        }
    }

    private static void CheckPatterns(
        QuantPolicy policy, IReadOnlyList<ModuleNode> nodes, List<ModuleNode> leaves, List<string> problems)
    {
        if (policy.AllowsUnmatched)
        {
            return;
        }

        foreach (NameRule rule in policy.PatternRules)
        {
            // A pattern whose layers were converted by an earlier Quantize still matches them: quantizing twice is fine.
            if (leaves.Any(l => l.Module is IQuantizedLayer
                    ? rule.Pattern.Matches(l.Path)
                    : QuantPolicy.Applies(rule, l.Path, l.Module.GetType())))
            {
                continue;
            }

            int named = leaves.Count(l => rule.Pattern.Matches(l.Path));
            problems.Add(named > 0
                ? $"{rule}: the pattern matches {named} leaves, but {rule.Target!.Layer!.Name} converts "
                  + $"{QuantPolicyBuilder.Describe(rule.Target.Layer.ConvertsFrom)} and none of them is one "
                  + "(call AllowUnmatched() to accept that)"
                : $"{rule}: the pattern matches no leaf module (call AllowUnmatched() to accept that); "
                  + NearestNames.Suggest(rule.Pattern.Text, nodes.Select(n => n.Path)));
        }
    }

    private static List<PlannedReplacement> PlanReplacements(
        List<(ModuleNode Node, PolicyVerdict Verdict)> decided, List<string> problems)
    {
        var replacements = new List<PlannedReplacement>();
        foreach (var group in decided.GroupBy(d => d.Node.Module, ReferenceEqualityComparer.Instance))
        {
            // Only the outcome matters: quantized to one target, or left as it is (excepted, kept float, no rule).
            var (first, verdict) = group.First();
            var disagreeing = group.FirstOrDefault(d => !Equals(Outcome(d.Verdict), Outcome(verdict)));
            if (disagreeing.Node is not null)
            {
                problems.Add($"'{first.Path}' and '{disagreeing.Node.Path}' are one module instance, but the policy "
                             + $"decides them differently ({Describe(verdict)} vs {Describe(disagreeing.Verdict)}); "
                             + "one instance cannot be both");
                continue;
            }

            if (verdict.Decision != QuantDecision.Quantized || verdict.Problem is not null)
            {
                continue;
            }

            if (first.Module is not nn.Module<Tensor, Tensor> original)
            {
                problems.Add($"'{first.Path}': {first.Module.GetType().Name} is not a Module<Tensor, Tensor>");
                continue;
            }

            List<ModuleSlot> slots = group.Select(d => ModuleSlot.Locate(d.Node)).ToList();
            problems.AddRange(slots.Select(s => s.CannotHold(verdict.Target!.Layer!.ResultType(original.GetType()))).OfType<string>());
            replacements.Add(new PlannedReplacement(original, first.Path, verdict.Target!, slots));
        }

        return replacements;
    }

    private static QuantTarget? Outcome(PolicyVerdict verdict) =>
        verdict.Decision == QuantDecision.Quantized ? verdict.Target : null;

    private static string Describe(PolicyVerdict verdict) =>
        $"{verdict.Decision} by {verdict.Rule ?? "no rule"}" + (verdict.Target is { } t ? $" to {t}" : "");

    private static LayerDecision Row(ModuleNode leaf, PolicyVerdict verdict)
    {
        QuantLayerSettings? settings = verdict.Decision == QuantDecision.Quantized ? verdict.Target!.Settings : null;
        return new LayerDecision(
            leaf.Path,
            leaf.Module.GetType().Name,
            verdict.Decision,
            verdict.Rule,
            settings is null ? null : verdict.Target!.Layer!.LayerName(leaf.Module.GetType()),
            settings?.WeightBits,
            settings?.ActivationBits,
            settings?.QuantizesInput);
    }

    private static LayerDecision AlreadyQuantizedRow(ModuleNode leaf, IQuantizedLayer layer) =>
        new(
            leaf.Path,
            leaf.Module.GetName(),
            QuantDecision.AlreadyQuantized,
            null,
            leaf.Module.GetName(),
            layer.Settings.WeightBits,
            layer.Settings.ActivationBits,
            layer.Settings.QuantizesInput);
}
