using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace QQuant;

/// <summary>
/// Turns configuration values into property values with one set of rules for quantization policies
/// (<see cref="QuantPolicyBinder"/>) and components (<see cref="ComponentBinder"/>). Keys match a settable property's
/// name or its <see cref="ReferenceKeyAttribute"/> spellings ignoring case and underscores. Every problem is added to
/// the caller's list with its key path; no key or value is ignored silently.
/// </summary>
/// <remarks>
/// Values: <see cref="string"/>, <see cref="bool"/>, <see cref="int"/>, <see cref="long"/>, <see cref="float"/>,
/// <see cref="double"/> (numbers in the invariant culture), their nullable forms, enums (by name, ignoring case,
/// underscores and hyphens; not by number), arrays and lists of any of these (one value stands for a list of one),
/// nested options objects, <see cref="IConfiguration"/> (the section itself), and, when the caller supplies them,
/// registered component kinds.
/// </remarks>
internal sealed class StrictBinder
{
    private readonly List<string> _problems;
    private readonly Func<Type, bool> _isComponent;
    private readonly Func<Type, IConfigurationSection, object?> _buildComponent;
    private readonly NullabilityInfoContext _nullability = new();

    /// <summary>Creates a binder that adds its problems to <paramref name="problems"/>.</summary>
    /// <param name="problems">The caller's problem list.</param>
    /// <param name="isComponent">Whether a type is a component kind that <paramref name="buildComponent"/> builds from its section.</param>
    /// <param name="buildComponent">Builds a component of a kind from its section, or adds problems and returns null.</param>
    public StrictBinder(
        List<string> problems,
        Func<Type, bool>? isComponent = null,
        Func<Type, IConfigurationSection, object?>? buildComponent = null)
    {
        _problems = problems;
        _isComponent = isComponent ?? (_ => false);
        _buildComponent = buildComponent ?? ((type, _) => throw new InvalidOperationException($"{type.Name} is not a component kind."));
    }

    /// <summary>
    /// A key that the caller binds itself (the policy's bit widths), matched like an option and checked with the
    /// options for duplicates.
    /// </summary>
    /// <param name="Name">The name shown among the valid keys.</param>
    /// <param name="Spellings">Other spellings of the key, such as the Python reference's.</param>
    /// <param name="Bind">Binds the key's value.</param>
    public sealed record OwnKey(string Name, IReadOnlyList<string> Spellings, Action<IConfigurationSection> Bind)
    {
        /// <summary>Whether <paramref name="normalized"/> (a <see cref="ConfigKeys.Normalize"/>d key) is one of this key's spellings.</summary>
        public bool Matches(string normalized) =>
            ConfigKeys.Normalize(Name) == normalized || Spellings.Any(s => ConfigKeys.Normalize(s) == normalized);
    }

    /// <summary>A new <paramref name="type"/> with its defaults.</summary>
    /// <exception cref="QQuantException">The type has no public parameterless constructor.</exception>
    public static object Create(Type type) =>
        Activator.CreateInstance(type) ?? throw new QQuantException($"{type.Name} has no public parameterless constructor.");

    /// <summary>
    /// Binds each of <paramref name="keys"/> to the settable property of <paramref name="target"/> it names, or to
    /// one of <paramref name="own"/>. An unknown key, a value of the wrong kind and two keys naming one property
    /// are problems.
    /// </summary>
    public void BindProperties(object target, IEnumerable<IConfigurationSection> keys, IReadOnlyList<OwnKey>? own = null)
    {
        own ??= [];
        Type type = target.GetType();
        Dictionary<string, PropertyInfo> properties = ConfigKeys.OptionKeys(type);
        var seen = new Dictionary<object, string>();
        foreach (IConfigurationSection key in keys)
        {
            string normalized = ConfigKeys.Normalize(key.Key);
            OwnKey? mine = own.FirstOrDefault(o => o.Matches(normalized));
            PropertyInfo? property = mine is null ? properties.GetValueOrDefault(normalized) : null;
            object? slot = (object?)mine ?? property;
            if (slot is null)
            {
                Unknown(
                    key,
                    own.Select(o => o.Name).Concat(ConfigKeys.Settable(type).Select(p => ConfigKeys.CamelCase(p.Name))),
                    own.SelectMany(o => o.Spellings).Concat(ConfigKeys.ReferenceSpellings(type)));
            }
            else if (!seen.TryAdd(slot, key.Path))
            {
                // GetChildren sorts the keys, so which one would win is not the order of the file.
                _problems.Add($"{key.Path}: sets the same option as {seen[slot]}; keep one");
            }
            else if (mine is not null)
            {
                mine.Bind(key);
            }
            else if (TryConvert(property!.PropertyType, _nullability.Create(property), key, out object? value))
            {
                property.SetValue(target, value);
            }
        }
    }

    /// <summary>The value of <paramref name="key"/> as a <typeparamref name="T"/>, or null after adding a problem.</summary>
    public T? Value<T>(IConfigurationSection key) where T : struct =>
        TryConvert(typeof(T), null, key, out object? value) ? (T)value! : null;

    // nullability says whether a reference type may be null; without it, it may.
    private bool TryConvert(Type type, NullabilityInfo? nullability, IConfigurationSection key, out object? value)
    {
        value = null;
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        bool allowsNull = target != type || (!type.IsValueType && nullability?.WriteState is not NullabilityState.NotNull);
        bool hasChildren = key.GetChildren().Any();
        string? text = key.Value;
        if (!hasChildren && string.IsNullOrEmpty(text))
        {
            return Empty(target, allowsNull, key, text is not null, out value);
        }

        if (typeof(IConfiguration).IsAssignableFrom(target))
        {
            value = key;
            return true;
        }

        if (_isComponent(target))
        {
            value = _buildComponent(target, key);
            return value is not null;
        }

        if (ListElementType(target) is { } element)
        {
            NullabilityInfo? elementNullability = nullability?.ElementType ?? nullability?.GenericTypeArguments.FirstOrDefault();
            return TryConvertList(target, element, elementNullability, key, hasChildren, out value);
        }

        if (hasChildren)
        {
            if (IsOptionsClass(target))
            {
                int before = _problems.Count;
                value = BindObject(target, key);
                return _problems.Count == before;
            }

            _problems.Add($"{key.Path}: expected {Describe(target)}, got an object or a list");
            return false;
        }

        value = Scalar(target, text!, key.Path);
        return value is not null;
    }

    /// <summary>
    /// An unknown key: its path, the nearest of <paramref name="valid"/> and <paramref name="otherSpellings"/>, and
    /// <paramref name="valid"/> in full.
    /// </summary>
    public void Unknown(IConfigurationSection key, IEnumerable<string> valid, IEnumerable<string>? otherSpellings = null)
    {
        List<string> names = valid.Distinct().ToList();
        if (names.Count == 0)
        {
            _problems.Add($"{key.Path}: unknown key '{key.Key}'; this section takes no keys");
            return;
        }

        _problems.Add($"{key.Path}: unknown key '{key.Key}'; {NearestNames.Suggest(key.Key, names.Concat(otherSpellings ?? []))} "
                      + $"(valid here: {string.Join(", ", names)})");
    }

    private object BindObject(Type type, IConfigurationSection section)
    {
        object value = Create(type);
        BindProperties(value, section.GetChildren());
        return value;
    }

    // The JSON provider stores [] as "" and {} as null, so these stand for an empty list and an object of defaults.
    private bool Empty(Type target, bool allowsNull, IConfigurationSection key, bool emptyText, out object? value)
    {
        value = null;
        if (emptyText && target == typeof(string))
        {
            value = "";
            return true;
        }

        if (emptyText && ListElementType(target) is { } element)
        {
            value = ToListType(target, element, (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!);
            return true;
        }

        if (allowsNull)
        {
            return true;
        }

        if (!emptyText && IsOptionsClass(target) && !_isComponent(target))
        {
            value = Create(target);
            return true;
        }

        _problems.Add($"{key.Path}: a value is required ({Describe(target)})");
        return false;
    }

    private bool TryConvertList(
        Type listType, Type element, NullabilityInfo? elementNullability, IConfigurationSection key, bool hasChildren, out object? value)
    {
        value = null;
        // A list's children are keyed 0, 1, 2 ...; one value (or one component object) stands for a list of one.
        List<IConfigurationSection> items = [key];
        if (hasChildren && key.GetChildren().All(i => int.TryParse(i.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            items = key.GetChildren().OrderBy(i => int.Parse(i.Key, CultureInfo.InvariantCulture)).ToList();
        }
        else if (hasChildren && !_isComponent(element))
        {
            _problems.Add($"{key.Path}: expected a list of {Describe(element)}, got an object");
            return false;
        }

        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        bool ok = true;
        foreach (IConfigurationSection item in items)
        {
            if (TryConvert(element, elementNullability, item, out object? converted))
            {
                list.Add(converted);
            }
            else
            {
                ok = false;
            }
        }

        if (ok)
        {
            value = ToListType(listType, element, list);
        }

        return ok;
    }

    private static object ToListType(Type listType, Type element, IList list)
    {
        if (!listType.IsArray)
        {
            return list;
        }

        Array array = Array.CreateInstance(element, list.Count);
        list.CopyTo(array, 0);
        return array;
    }

    private object? Scalar(Type target, string text, string path)
    {
        if (!IsScalar(target) && !IsOptionsClass(target))
        {
            _problems.Add($"{path}: options of type {target.Name} cannot be set from configuration");
            return null;
        }

        object? value = target switch
        {
            _ when target == typeof(string) => text,
            _ when target == typeof(bool) => bool.TryParse(text, out bool b) ? b : null,
            _ when target == typeof(int) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : null,
            _ when target == typeof(long) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? l : null,
            _ when target == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null,
            _ when target == typeof(float) => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) ? f : null,
            _ when target.IsEnum => EnumValue(target, text),
            _ => null,
        };
        if (value is null)
        {
            _problems.Add($"{path}: '{text}' is not {Describe(target)}");
        }

        return value;
    }

    private static bool IsScalar(Type type) =>
        type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long)
        || type == typeof(double) || type == typeof(float) || type.IsEnum;

    // Names only: numbers depend on the enum's declaration order, and Enum.Parse would also take "a, b" as flags.
    private static object? EnumValue(Type type, string text)
    {
        string wanted = ConfigKeys.Normalize(text.Replace("-", "", StringComparison.Ordinal));
        string? name = Enum.GetNames(type).FirstOrDefault(n => ConfigKeys.Normalize(n) == wanted);
        return name is null ? null : Enum.Parse(type, name);
    }

    private static Type? ListElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType)
        {
            Type definition = type.GetGenericTypeDefinition();
            if (definition == typeof(IReadOnlyList<>) || definition == typeof(List<>) || definition == typeof(IList<>)
                || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyCollection<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private static bool IsOptionsClass(Type type) =>
        type.IsClass && !type.IsAbstract && type != typeof(string) && type.GetConstructor(Type.EmptyTypes) is not null;

    private string Describe(Type type) =>
        type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(double) || type == typeof(float) ? "a number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string) ? "a string"
        : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type).Select(ConfigKeys.CamelCase))}"
        : ListElementType(type) is { } element ? $"a list of {Describe(element)}"
        : _isComponent(type) || IsOptionsClass(type) ? $"a {type.Name} object"
        : type.Name;
}
