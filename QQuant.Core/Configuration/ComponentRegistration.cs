namespace QQuant;

/// <summary>One entry of the <see cref="ComponentRegistry"/>: a type name of a kind, its options class and factory.</summary>
/// <param name="Kind">The base type a configuration asks for (<c>Backbone</c>, <c>ITransform</c>, ...).</param>
/// <param name="Type">The name a configuration's <c>type</c> key uses.</param>
/// <param name="OptionsType">The options class bound from the configuration.</param>
/// <param name="Create">Builds the component from bound options.</param>
public sealed record ComponentRegistration(Type Kind, string Type, Type OptionsType, Func<object, object> Create);
