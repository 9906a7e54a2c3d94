namespace QQuant;

/// <summary>A type a policy can name, known to a <see cref="QuantLayerRegistry"/> under a name.</summary>
/// <param name="Name">The name configurations use in <c>"type"</c>.</param>
/// <param name="Layer">What the name converts modules to.</param>
/// <param name="Defaults">What configuration entries that leave something out get.</param>
/// <param name="AliasOf">The registered name this one stands for (a reference spelling), or null.</param>
public sealed record QuantLayerRegistration(string Name, QuantLayerDescriptor Layer, QuantLayerDefaults Defaults, string? AliasOf = null);
