namespace QQuant;

/// <summary>A rule by module type: leaves of <see cref="ModuleType"/> (or derived from it) get <see cref="Target"/>.</summary>
/// <param name="ModuleType">The float module type the rule covers.</param>
/// <param name="Target">What happens to them.</param>
public sealed record TypeRule(Type ModuleType, QuantTarget Target)
{
    /// <summary>How reports and errors name the rule: <c>For&lt;Conv2d&gt;()</c>.</summary>
    public override string ToString() => $"For<{ModuleType.Name}>()";
}
