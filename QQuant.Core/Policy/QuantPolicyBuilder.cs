using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Collects the rules of a <see cref="QuantPolicy"/>. Start with <see cref="QuantPolicy.For{TModule}"/> or
/// <see cref="QuantPolicy.Create"/>; finish with <see cref="Build"/> (or let the builder convert implicitly).
/// </summary>
public sealed class QuantPolicyBuilder
{
    private readonly List<TypeRule> _typeRules = [];
    private readonly List<NameRule> _nameRules = [];
    private readonly List<string> _problems = [];
    private bool _allowUnmatched;

    /// <summary>Starts a rule for leaves of <typeparamref name="TModule"/> and of types derived from it.</summary>
    public TypeRuleBuilder For<TModule>() where TModule : nn.Module => new(this, typeof(TModule));

    /// <summary>Adds a rule for leaves of <paramref name="moduleType"/> (used by configuration binding).</summary>
    public QuantPolicyBuilder For(Type moduleType, QuantTarget target)
    {
        if (!typeof(nn.Module).IsAssignableFrom(moduleType))
        {
            _problems.Add($"For<{moduleType.Name}>(): {moduleType.FullName} is not a TorchSharp module type");
        }

        _typeRules.Add(new TypeRule(moduleType, target));
        return this;
    }

    /// <summary>
    /// Gives the leaf named <paramref name="name"/> (or every leaf matching the pattern that the chosen layer can
    /// convert) its own target, for example <c>Override("head.fc", r =&gt; r.Use&lt;EightBitLinear&gt;(w: 8, a: 8))</c>.
    /// </summary>
    public QuantPolicyBuilder Override(string name, Func<QuantTargetBuilder, QuantTarget> target) =>
        Override(name, target(QuantTargetBuilder.Instance));

    /// <summary>Gives the leaf named <paramref name="name"/> (or matching the pattern) the target <paramref name="target"/>.</summary>
    public QuantPolicyBuilder Override(string name, QuantTarget target) => AddName(name, target, unordered: false);

    /// <summary>Leaves the named leaves (or every leaf matching a pattern) float.</summary>
    public QuantPolicyBuilder Except(params string[] names)
    {
        foreach (string name in names)
        {
            AddName(name, target: null, unordered: false);
        }

        return this;
    }

    /// <summary>Lets patterns that match no module pass silently (by default that is an error).</summary>
    public QuantPolicyBuilder AllowUnmatched()
    {
        _allowUnmatched = true;
        return this;
    }

    /// <summary>Checks every rule and returns the immutable policy.</summary>
    /// <exception cref="QuantPolicyException">A rule is invalid; the message lists all such rules.</exception>
    public QuantPolicy Build()
    {
        var problems = new List<string>(_problems);
        foreach (TypeRule rule in _typeRules)
        {
            problems.AddRange(rule.Target.Validate(rule.ToString()));
            if (rule.Target.Layer is { } layer && !layer.CanConvertSome(rule.ModuleType))
            {
                problems.Add($"{rule}: {layer.Name} converts {Describe(layer.ConvertsFrom)}, not {rule.ModuleType.Name}");
            }
        }

        foreach (NameRule rule in _nameRules.Where(r => r.Target is not null))
        {
            problems.AddRange(rule.Target!.Validate(rule.ToString()));
        }

        if (problems.Count > 0)
        {
            throw new QuantPolicyException(problems);
        }

        return new QuantPolicy(_typeRules, _nameRules, _allowUnmatched);
    }

    /// <summary>Builds the policy; see <see cref="Build"/>.</summary>
    public static implicit operator QuantPolicy(QuantPolicyBuilder builder) => builder.Build();

    internal QuantPolicyBuilder OverrideUnordered(string name, QuantTarget target) => AddName(name, target, unordered: true);

    internal static string Describe(IEnumerable<Type> types) => string.Join(" or ", types.Select(t => t.Name));

    private QuantPolicyBuilder AddName(string name, QuantTarget? target, bool unordered)
    {
        NamePattern? pattern = NamePattern.TryParse(name, out string? problem);
        if (pattern is null)
        {
            _problems.Add($"{(target is null ? "Except" : "Override")}(\"{name}\"): {problem}");
        }
        else
        {
            _nameRules.Add(new NameRule(pattern, target, unordered));
        }

        return this;
    }
}
