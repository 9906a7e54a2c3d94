namespace QQuant;

/// <summary>
/// A rule by module name or pattern: an override (<see cref="Target"/> set) or an exception (no target: the
/// matched modules stay float).
/// </summary>
public sealed class NameRule : IEquatable<NameRule>
{
    internal NameRule(NamePattern pattern, QuantTarget? target, bool unordered = false)
    {
        Pattern = pattern;
        Target = target;
        Unordered = unordered;
    }

    /// <summary>The name or pattern.</summary>
    public NamePattern Pattern { get; }

    /// <summary>The override's target; null for an exception.</summary>
    public QuantTarget? Target { get; }

    /// <summary>True for an exception (<c>Except</c>).</summary>
    public bool IsException => Target is null;

    // Set for overrides bound from a configuration object, whose keys have no order: two of them that both decide
    // one module cannot be ranked by "the later one wins", so the planner reports the conflict instead.
    internal bool Unordered { get; }

    /// <inheritdoc />
    public bool Equals(NameRule? other) =>
        other is not null && Pattern.Equals(other.Pattern) && Equals(Target, other.Target);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as NameRule);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Pattern, Target);

    /// <summary>How reports and errors name the rule: <c>Override("head.fc")</c> or <c>Except("neck.**")</c>.</summary>
    public override string ToString() => IsException ? $"Except(\"{Pattern}\")" : $"Override(\"{Pattern}\")";
}
