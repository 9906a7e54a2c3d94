namespace QQuant;

/// <summary>A quantized layer known to a <see cref="QuantLayerRegistry"/> under a name.</summary>
/// <param name="Name">The name configurations use in <c>"type"</c>.</param>
/// <param name="Layer">The layer.</param>
/// <param name="Defaults">What configuration entries that leave something out get.</param>
public sealed record QuantLayerRegistration(string Name, QuantLayerDescriptor Layer, QuantLayerDefaults Defaults);
