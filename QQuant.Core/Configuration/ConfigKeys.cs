using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace QQuant;

/// <summary>How configuration keys are matched to options, shared by the policy and component binders.</summary>
internal static class ConfigKeys
{
    /// <summary>Keys compare ignoring case and underscores, so the reference's snake_case binds too.</summary>
    public static string Normalize(string key) => key.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>The key path of <paramref name="section"/> for messages, or <c>(root)</c> for the configuration itself.</summary>
    public static string PathOf(IConfiguration section) =>
        section is IConfigurationSection s ? s.Path : "(root)";

    /// <summary>A property name as configurations spell it (<c>OutIndices</c> → <c>outIndices</c>).</summary>
    public static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>The publicly settable properties of <paramref name="optionsType"/>.</summary>
    public static IEnumerable<PropertyInfo> Settable(Type optionsType) =>
        optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && p.Name != "EqualityContract");

    /// <summary>The <see cref="ReferenceKeyAttribute"/> spellings of the settable properties of <paramref name="optionsType"/>.</summary>
    public static IEnumerable<string> ReferenceSpellings(Type optionsType) =>
        Settable(optionsType).SelectMany(p => p.GetCustomAttribute<ReferenceKeyAttribute>()?.Names ?? []);

    /// <summary>Each settable property of <paramref name="optionsType"/> under its normalized name and its <see cref="ReferenceKeyAttribute"/> spellings.</summary>
    public static Dictionary<string, PropertyInfo> OptionKeys(Type optionsType)
    {
        var keys = new Dictionary<string, PropertyInfo>();
        foreach (PropertyInfo property in Settable(optionsType))
        {
            keys[Normalize(property.Name)] = property;
            foreach (string alias in property.GetCustomAttribute<ReferenceKeyAttribute>()?.Names ?? [])
            {
                keys[Normalize(alias)] = property;
            }
        }

        return keys;
    }
}
