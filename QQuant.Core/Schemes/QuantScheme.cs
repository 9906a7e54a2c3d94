namespace QQuant;

/// <summary>
/// One quantization algorithm (LSQ, DSQ, PACT, ...): its name, its options, how it checks bit widths and options, and
/// how it builds a layer's weight quantizer and input quantizer. The quantized layers (<see cref="QuantizedLinear"/>,
/// <see cref="QuantizedConv2d"/> and the other convolutions) compose the two quantizers, so a scheme written once
/// quantizes every operation.
/// </summary>
/// <remarks>
/// Derive from <see cref="QuantScheme{TSelf, TOptions}"/>: it lets policies name the scheme by type
/// (<c>Use&lt;Lsq&gt;(4, 4)</c>) and runs the checks every scheme shares.
/// </remarks>
public abstract class QuantScheme
{
    /// <summary>Creates the scheme.</summary>
    /// <param name="name">
    /// The name configurations use in <c>"type"</c> and the prefix of its layers' names: <c>LSQ</c> gives
    /// <c>LSQConv</c> on a Conv2d, <c>LSQLinear</c> on a Linear, <c>LSQConv1d</c> on a Conv1d.
    /// </param>
    protected QuantScheme(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A scheme needs a name.", nameof(name));
        }

        Name = name;
    }

    /// <summary>The scheme's name, for example <c>LSQ</c>.</summary>
    public string Name { get; }

    /// <summary>A fresh options object with the scheme's defaults (a record derived from <see cref="QuantLayerOptions"/>).</summary>
    public abstract QuantLayerOptions CreateOptions();

    /// <summary>
    /// The problems of <paramref name="settings"/> for this scheme (bits it cannot represent, options it does not
    /// support), each starting with <paramref name="layer"/>; empty when they are fine. Policies call it when they are
    /// built, before any model is touched.
    /// </summary>
    public abstract IEnumerable<string> Validate(string layer, QuantLayerSettings settings);

    /// <summary>The quantizer of a layer's weight.</summary>
    /// <param name="settings">Bits and options (already validated).</param>
    /// <param name="channels">
    /// The length of the weight's dimension 0, along which per-channel scales lie: the output channels of a Linear or
    /// convolution, the input channels of a transposed convolution.
    /// </param>
    public abstract Quantizer CreateWeightQuantizer(QuantLayerSettings settings, long channels);

    /// <summary>The quantizer of a layer's input.</summary>
    public abstract Quantizer CreateInputQuantizer(QuantLayerSettings settings);

    /// <summary>
    /// Registers the scheme's other names with <paramref name="registry"/> (the scheme's own name is registered
    /// already): per-layer names such as <c>LSQConv</c> with their default bits, and reference aliases. Nothing by default.
    /// </summary>
    protected internal virtual void Register(QuantLayerRegistry registry)
    {
    }

    /// <summary>The name of this scheme's layer for a float module of <paramref name="moduleType"/>, for example <c>LSQConv</c>.</summary>
    public string LayerName(Type moduleType) => Name + QuantOperations.Suffix(moduleType);

    /// <inheritdoc />
    public override string ToString() => Name;
}
