using System.Collections;
using System.Reflection;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Where a parent keeps one child, in both places that matter: what its <c>forward</c> reads (a field, a list or
/// array element, a <c>Sequential</c> slot, a <c>ModuleList</c>/<c>ModuleDict</c> entry) and TorchSharp's registry
/// of submodules (which <c>named_modules</c>, <c>parameters</c>, <c>state_dict</c>, <c>train</c> and <c>to</c> read).
/// </summary>
internal sealed class ModuleSlot
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    private static readonly FieldInfo Registry =
        typeof(nn.Module).GetField("_internal_submodules", InstanceFields)
        ?? throw new MissingFieldException(nameof(nn.Module), "_internal_submodules");

    private static readonly FieldInfo SequentialModules =
        typeof(Sequential).GetField("_modules", InstanceFields)
        ?? throw new MissingFieldException(nameof(Sequential), "_modules");

    private readonly List<Holder> _holders;

    private readonly string? _problem;

    private ModuleSlot(ModuleNode node, List<Holder> holders, string? problem = null)
    {
        Node = node;
        _holders = holders;
        _problem = problem;
    }

    public ModuleNode Node { get; }

    /// <summary>Finds every place the parent keeps the child; a slot with no holders is reported by <see cref="CannotHold"/>.</summary>
    public static ModuleSlot Locate(ModuleNode node)
    {
        var holders = new List<Holder>();
        nn.Module parent = node.Parent;
        if (parent is Sequential)
        {
            AddSequentialHolder(node, holders);
        }
        else if (GenericBase(parent.GetType(), typeof(ModuleList<>)) is { } listType)
        {
            Type element = listType.GetGenericArguments()[0];
            PropertyInfo item = listType.GetProperty("Item", element, [typeof(int)])!;
            int count = (int)listType.GetProperty("Count")!.GetValue(parent)!;
            if (!int.TryParse(node.LocalName, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
                || index >= count || !ReferenceEquals(item.GetValue(parent, [index]), node.Module))
            {
                return new ModuleSlot(node, holders, $"'{node.Path}': {FriendlyName(parent.GetType())} no longer holds it at "
                    + $"index {node.LocalName} (the list changed after its entries were registered)");
            }

            holders.Add(new(element, $"{FriendlyName(parent.GetType())}[{index}]", ContainerFix("ModuleList"),
                m => item.SetValue(parent, m, [index])));
            AddRegistryHolder(node, holders);
        }
        else if (GenericBase(parent.GetType(), typeof(ModuleDict<>)) is { } dictType)
        {
            Type element = dictType.GetGenericArguments()[0];
            PropertyInfo item = dictType.GetProperty("Item", element, [typeof(string)])!;
            bool holds = (bool)dictType.GetMethod("ContainsKey", [typeof(string)])!.Invoke(parent, [node.LocalName])!;
            if (!holds || !ReferenceEquals(item.GetValue(parent, [node.LocalName]), node.Module))
            {
                return new ModuleSlot(node, holders, $"'{node.Path}': {FriendlyName(parent.GetType())} no longer holds it "
                    + $"under the key '{node.LocalName}' (the dictionary changed after its entries were registered)");
            }

            holders.Add(new(element, $"{FriendlyName(parent.GetType())}[\"{node.LocalName}\"]", ContainerFix("ModuleDict"),
                m => item.SetValue(parent, m, [node.LocalName])));
            AddRegistryHolder(node, holders);
        }
        else
        {
            string? problem = AddFieldHolders(node, holders);
            if (holders.Count > 0)
            {
                AddRegistryHolder(node, holders);
            }

            return new ModuleSlot(node, holders, problem);
        }

        return new ModuleSlot(node, holders);
    }

    /// <summary>Why <paramref name="replacement"/> cannot be put here, or null when it can.</summary>
    public string? CannotHold(Type replacement)
    {
        string parentType = FriendlyName(Node.Parent.GetType());
        if (_problem is not null)
        {
            return _problem;
        }

        if (_holders.Count == 0)
        {
            return $"'{Node.Path}': its parent {parentType} keeps it in no field, list or array QQuant can rewrite, so "
                   + "its forward would go on using the float module; hold it in a field declared Module<Tensor, Tensor>";
        }

        Holder? narrow = _holders.FirstOrDefault(h => !h.Declared.IsAssignableFrom(replacement));
        return narrow is null ? null
            : $"'{Node.Path}': {narrow.Where} holds {FriendlyName(narrow.Declared)}, which cannot hold {replacement.Name} "
              + $"(TorchSharp's layers are sealed); {narrow.Fix}";
    }

    /// <summary>Puts <paramref name="replacement"/> everywhere the child was.</summary>
    public void Set(nn.Module replacement)
    {
        foreach (Holder holder in _holders)
        {
            holder.Set(replacement);
        }
    }

    /// <summary>Puts the original child back everywhere (undoes <see cref="Set"/>, also a partial one).</summary>
    public void Restore() => Set(Node.Module);

    internal static string FriendlyName(Type type) =>
        type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(FriendlyName))}>"
            : type.Name;

    private static string ContainerFix(string container) =>
        $"declare it {container}<Module<Tensor, Tensor>>";

    private const string FieldFix = "declare the field Module<Tensor, Tensor>";

    private static void AddSequentialHolder(ModuleNode node, List<Holder> holders)
    {
        var modules = (IList)SequentialModules.GetValue(node.Parent)!;
        for (int i = 0; i < modules.Count; i++)
        {
            if (ReferenceEquals(modules[i], node.Module) && node.Parent.named_children().ElementAt(i).name == node.LocalName)
            {
                int index = i;
                holders.Add(new(typeof(nn.IModule<Tensor, Tensor>), $"Sequential[{index}]", "", m => modules[index] = m));
            }
        }
    }

    private static void AddRegistryHolder(ModuleNode node, List<Holder> holders)
    {
        var registry = (TorchSharp.Utils.OrderedDict<string, nn.Module>)Registry.GetValue(node.Parent)!;
        if (registry.TryGetValue(node.LocalName, out nn.Module? registered) && ReferenceEquals(registered, node.Module))
        {
            holders.Add(new(typeof(nn.Module), "registry", "", m => registry[node.LocalName] = m));
        }
    }

    // Returns why a holder found cannot be written (an element of a read-only list), or null.
    private static string? AddFieldHolders(ModuleNode node, List<Holder> holders)
    {
        string? problem = null;
        string parentType = FriendlyName(node.Parent.GetType());
        foreach (FieldInfo field in FieldsOf(node.Parent.GetType()))
        {
            object? value = field.GetValue(node.Parent);
            if (ReferenceEquals(value, node.Module))
            {
                holders.Add(new(field.FieldType, $"{parentType}.{field.Name}", FieldFix, m => field.SetValue(node.Parent, m)));
            }
            else if (value is IList list and not nn.Module && ElementType(field.FieldType) is { } element)
            {
                for (int i = 0; i < list.Count; i++)
                {
                    if (ReferenceEquals(list[i], node.Module))
                    {
                        int index = i;
                        string where = $"{parentType}.{field.Name}[{index}]";
                        if (list.IsReadOnly)
                        {
                            problem ??= $"'{node.Path}': {where} is an element of a read-only list; use a mutable list or array";
                        }
                        else
                        {
                            holders.Add(new(element, where, "declare its elements Module<Tensor, Tensor>", m => list[index] = m));
                        }
                    }
                }
            }
        }

        return problem;
    }

    private static IEnumerable<FieldInfo> FieldsOf(Type type)
    {
        for (Type? current = type; current is not null && current != typeof(nn.Module); current = current.BaseType)
        {
            foreach (FieldInfo field in current.GetFields(InstanceFields | BindingFlags.DeclaredOnly))
            {
                yield return field;
            }
        }
    }

    private static Type? ElementType(Type listType) =>
        listType.IsArray ? listType.GetElementType() : GenericBase(listType, typeof(IList<>))?.GetGenericArguments()[0];

    private static Type? GenericBase(Type type, Type definition)
    {
        if (definition.IsInterface)
        {
            return type.IsGenericType && type.GetGenericTypeDefinition() == definition
                ? type
                : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
        }

        for (Type? current = type; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && current.GetGenericTypeDefinition() == definition)
            {
                return current;
            }
        }

        return null;
    }

    private sealed record Holder(Type Declared, string Where, string Fix, Action<nn.Module> Set);
}
