using System.Text;
using Microsoft.Extensions.Configuration;
using QQuant.Quantizers;

namespace QQuant.Tests.Configuration;

/// <summary>Builds configuration from JSON text and binds policies from it, for the configuration tests.</summary>
internal static class ConfigurationTestSupport
{
    /// <summary>The configuration that <paramref name="json"/> (a whole appsettings-style document) describes.</summary>
    public static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    /// <summary>A registry holding QQuant.Quantizers' layers (EightBitConv, EightBitLinear).</summary>
    public static QuantLayerRegistry Registry() => new QuantLayerRegistry().AddQuantizers();

    /// <summary>Binds the <c>quantTransformer</c> section of <paramref name="json"/>.</summary>
    public static QuantPolicy Bind(string json, QuantLayerRegistry? registry = null) =>
        QuantPolicy.FromConfiguration(Json(json).GetSection("quantTransformer"), registry ?? Registry());

    /// <summary>
    /// A policy with one rule, <c>Conv2d</c> to <paramref name="layer"/> at 4w4a, with <paramref name="key"/> set to
    /// <paramref name="jsonValue"/> (JSON text: <c>"\"mse\""</c>, <c>"false"</c>).
    /// </summary>
    public static string ConvRuleJson(string layer, string key, string jsonValue) =>
        $$"""
        { "quantTransformer": { "type": "QuantTransformer", "policy": { "Conv2d": { "type": "{{layer}}", "w": 4, "a": 4, "{{key}}": {{jsonValue}} } } } }
        """;

    /// <summary>Binds and expects a <see cref="QuantConfigurationException"/>.</summary>
    public static QuantConfigurationException BindFails(string json, QuantLayerRegistry? registry = null) =>
        Assert.Throws<QuantConfigurationException>(() => Bind(json, registry));

    /// <summary>The exception itself or the first one of type <typeparamref name="T"/> among its inner exceptions.</summary>
    public static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }

            if (e is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions)
                {
                    if (Find<T>(inner) is { } nested)
                    {
                        return nested;
                    }
                }
            }
        }

        return null;
    }
}
