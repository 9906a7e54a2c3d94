using Microsoft.Extensions.Configuration;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// An immutable set of rules that says, for every leaf module of a model, whether it becomes a quantized layer, which
/// one, with which bits and options. Build one fluently (<c>QuantPolicy.For&lt;Conv2d&gt;().Use&lt;...&gt;(w, a)</c>)
/// or bind one from configuration (<see cref="FromConfiguration"/>); both forms of one policy compare equal (the
/// pattern keys of a configuration object have no order, so they equal the same fluent overrides in any order).
/// </summary>
/// <remarks>
/// <para>Names are the dotted paths that <c>named_modules()</c> yields. In patterns <c>*</c> matches one path
/// segment (or characters within one) and <c>**</c> any number of segments.</para>
/// <para>Precedence, strongest first, for each leaf:</para>
/// <list type="number">
/// <item>an <c>Override</c> naming the leaf exactly;</item>
/// <item>an <c>Except</c> naming the leaf exactly;</item>
/// <item>an <c>Override</c> pattern that matches the leaf and whose layer converts the leaf's type (a pattern
/// override passes over modules its layer cannot convert, such as the BatchNorm next to a conv);</item>
/// <item>an <c>Except</c> pattern that matches the leaf;</item>
/// <item>the type rule of the most derived type the leaf is an instance of (<c>For&lt;Convolution&gt;()</c> covers
/// Conv1d/2d/3d unless a <c>For&lt;Conv2d&gt;()</c> rule exists);</item>
/// <item>otherwise the leaf has no rule and stays as it is.</item>
/// </list>
/// <para>Two rules at the same level that both match: the later one wins. Type rules apply to leaves only (modules
/// without children); an <c>Override</c> or <c>Except</c> naming a container exactly is an error that lists the leaves
/// inside it. Layers that are already quantized are left alone by every rule and reported as such, so quantizing
/// twice changes nothing. A target of 32 bits for both weight and input keeps the module float.</para>
/// </remarks>
public sealed class QuantPolicy : IEquatable<QuantPolicy>
{
    private readonly Dictionary<string, NameRule> _exactOverrides = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NameRule> _exactExceptions = new(StringComparer.Ordinal);
    private readonly List<NameRule> _patternOverrides = [];
    private readonly List<NameRule> _patternExceptions = [];
    private readonly Dictionary<Type, TypeRule> _typeRules = [];

    internal QuantPolicy(IEnumerable<TypeRule> typeRules, IEnumerable<NameRule> nameRules, bool allowUnmatched)
    {
        foreach (TypeRule rule in typeRules)
        {
            _typeRules[rule.ModuleType] = rule;
        }

        foreach (NameRule rule in nameRules)
        {
            if (rule.Pattern.IsExact)
            {
                var exact = rule.IsException ? _exactExceptions : _exactOverrides;
                exact[rule.Pattern.Text] = rule;
            }
            else
            {
                var patterns = rule.IsException ? _patternExceptions : _patternOverrides;
                patterns.RemoveAll(r => r.Pattern.Equals(rule.Pattern));
                patterns.Add(rule);
            }
        }

        AllowsUnmatched = allowUnmatched;
    }

    /// <summary>Starts a policy with a rule for leaves of <typeparamref name="TModule"/>.</summary>
    public static TypeRuleBuilder For<TModule>() where TModule : nn.Module => Create().For<TModule>();

    /// <summary>Starts an empty policy builder.</summary>
    public static QuantPolicyBuilder Create() => new();

    /// <summary>
    /// Binds a policy from a configuration section (the JSON object under <c>"quantTransformer"</c>), resolving layer
    /// names through <paramref name="registry"/>. QQuant's keys and the Python reference's are both accepted.
    /// </summary>
    /// <exception cref="QuantConfigurationException">A key, value or type name is wrong; lists every problem with its key path.</exception>
    /// <exception cref="QuantPolicyException">The bound rules are invalid (for example bits outside 1..8 and 32).</exception>
    public static QuantPolicy FromConfiguration(IConfiguration section, QuantLayerRegistry registry) =>
        QuantPolicyBinder.Bind(section, registry, section is IConfigurationSection s ? $"'{s.Path}'" : "the configuration");

    /// <summary>
    /// Reads the policy from the section <paramref name="sectionKey"/> of a JSON config file, after resolving its
    /// <c>_base_</c> files as training does (<see cref="ConfigDocument.Load"/>).
    /// </summary>
    /// <exception cref="QuantConfigurationException">The file or one of its bases is missing or not JSON, or the
    /// section does not bind; the message names the file.</exception>
    public static QuantPolicy FromJsonFile(string path, QuantLayerRegistry registry, string sectionKey = "quantTransformer")
    {
        string fullPath = Path.GetFullPath(path);
        string where = $"{fullPath} (section '{sectionKey}')";
        IConfigurationRoot root;
        try
        {
            root = ConfigDocument.Load(fullPath).ToConfiguration();
        }
        catch (ConfigFileException e)
        {
            throw new QuantConfigurationException(where, [e.Message]);
        }

        return QuantPolicyBinder.Bind(root.GetSection(sectionKey), registry, where);
    }

    /// <summary>The type rules, one per type (a later rule for the same type replaced an earlier one).</summary>
    public IReadOnlyList<TypeRule> TypeRules => [.. _typeRules.Values];

    /// <summary>Overrides and exceptions, exact names first, each group in the order the rules were given.</summary>
    public IReadOnlyList<NameRule> NameRules =>
        [.. _exactOverrides.Values, .. _exactExceptions.Values, .. _patternOverrides, .. _patternExceptions];

    /// <summary>True when patterns that match no module are allowed.</summary>
    public bool AllowsUnmatched { get; }

    /// <inheritdoc />
    public bool Equals(QuantPolicy? other) =>
        other is not null
        && AllowsUnmatched == other.AllowsUnmatched
        && SameEntries(_typeRules, other._typeRules)
        && SameEntries(_exactOverrides, other._exactOverrides)
        && SameEntries(_exactExceptions, other._exactExceptions)
        && SamePatternOverrides(_patternOverrides, other._patternOverrides)
        && _patternExceptions.ToHashSet().SetEquals(other._patternExceptions);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as QuantPolicy);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(AllowsUnmatched, _typeRules.Count, _exactOverrides.Count, _patternOverrides.Count);

    /// <summary>One rule per line, in precedence order.</summary>
    public override string ToString() =>
        string.Join(
            Environment.NewLine,
            NameRules.Select(r => r.IsException ? r.ToString() : $"{r} -> {r.Target}")
                .Concat(TypeRules.Select(r => $"{r} -> {r.Target}"))
                .Append(AllowsUnmatched ? "AllowUnmatched()" : "")
                .Where(line => line.Length > 0));

    /// <summary>Decides one leaf by the documented precedence (the planner handles already-quantized layers).</summary>
    internal PolicyVerdict Decide(string path, Type moduleType)
    {
        if (_exactOverrides.TryGetValue(path, out NameRule? exactOverride))
        {
            return Verdict(exactOverride.ToString(), exactOverride.Target!, moduleType);
        }

        if (_exactExceptions.TryGetValue(path, out NameRule? exactException))
        {
            return new PolicyVerdict(QuantDecision.Excepted, exactException.ToString(), null);
        }

        NameRule? patternOverride = _patternOverrides.LastOrDefault(r => Applies(r, path, moduleType));
        if (patternOverride is not null)
        {
            return AmbiguousUnordered(patternOverride, path, moduleType)
                ?? Verdict(patternOverride.ToString(), patternOverride.Target!, moduleType);
        }

        NameRule? patternException = _patternExceptions.LastOrDefault(r => r.Pattern.Matches(path));
        if (patternException is not null)
        {
            return new PolicyVerdict(QuantDecision.Excepted, patternException.ToString(), null);
        }

        TypeRule? typeRule = _typeRules.Values
            .Where(r => r.ModuleType.IsAssignableFrom(moduleType))
            .OrderBy(r => InheritanceDistance(moduleType, r.ModuleType))
            .FirstOrDefault();
        return typeRule is null
            ? new PolicyVerdict(QuantDecision.NoRule, null, null)
            : Verdict(typeRule.ToString(), typeRule.Target, moduleType);
    }

    /// <summary>The exact names the policy mentions, with the rule that mentions each.</summary>
    internal IEnumerable<NameRule> ExactRules => _exactOverrides.Values.Concat(_exactExceptions.Values);

    /// <summary>The pattern rules, for the "matches nothing" check.</summary>
    internal IEnumerable<NameRule> PatternRules => _patternOverrides.Concat(_patternExceptions);

    /// <summary>True when a pattern rule takes part in deciding a leaf of this type at this path.</summary>
    internal static bool Applies(NameRule rule, string path, Type moduleType) =>
        rule.Pattern.Matches(path)
        && (rule.Target?.Layer is not { } layer || layer.CanConvert(moduleType));

    private PolicyVerdict? AmbiguousUnordered(NameRule winner, string path, Type moduleType)
    {
        if (!winner.Unordered)
        {
            return null;
        }

        NameRule? rival = _patternOverrides.FirstOrDefault(r =>
            r != winner && r.Unordered && !Equals(r.Target, winner.Target) && Applies(r, path, moduleType));
        return rival is null
            ? null
            : new PolicyVerdict(
                QuantDecision.NoRule,
                null,
                null,
                $"{rival} and {winner} both match it with different targets, and a configuration object does not order "
                + "its keys; list them in the ordered form (special_layers with layers_name/convert_type) or make them disjoint");
    }

    private static PolicyVerdict Verdict(string rule, QuantTarget target, Type moduleType)
    {
        if (target.Layer is { } layer && !layer.CanConvert(moduleType))
        {
            return new PolicyVerdict(
                QuantDecision.NoRule,
                rule,
                target,
                $"{rule} asks for {layer.Name}, which converts {QuantPolicyBuilder.Describe(layer.ConvertsFrom)}, "
                + $"not {moduleType.Name}");
        }

        return target.KeepsFloat
            ? new PolicyVerdict(QuantDecision.KeptFloat, rule, target)
            : new PolicyVerdict(QuantDecision.Quantized, rule, target);
    }

    private static int InheritanceDistance(Type type, Type ancestor)
    {
        int distance = 0;
        for (Type? current = type; current is not null && current != ancestor; current = current.BaseType)
        {
            distance++;
        }

        return distance;
    }

    // Later pattern overrides win, so order matters, except for rules bound from a configuration object: those have no
    // order (overlaps between them are reported when a model is planned), and equal the same rules in any order.
    private static bool SamePatternOverrides(List<NameRule> a, List<NameRule> b) =>
        a.Any(r => r.Unordered) || b.Any(r => r.Unordered)
            ? a.Count == b.Count && a.ToHashSet().SetEquals(b)
            : a.SequenceEqual(b);

    private static bool SameEntries<TKey, TValue>(Dictionary<TKey, TValue> a, Dictionary<TKey, TValue> b)
        where TKey : notnull =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out TValue? v) && Equals(e.Value, v));
}
