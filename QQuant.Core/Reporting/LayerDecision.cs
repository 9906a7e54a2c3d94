namespace QQuant;

/// <summary>One row of a <see cref="QuantizationReport"/>: one leaf module and what the policy decided for it.</summary>
/// <param name="Name">The module's dotted path, as <c>named_modules()</c> yields it.</param>
/// <param name="OriginalType">The module's type name before quantization.</param>
/// <param name="Decision">What happened to it.</param>
/// <param name="Rule">The rule that decided, as written in the policy (<c>For&lt;Conv2d&gt;()</c>,
/// <c>Override("head.fc")</c>, <c>Except("neck.**")</c>); null when no rule matched.</param>
/// <param name="NewType">The quantized layer's type name when quantized (or already quantized).</param>
/// <param name="WeightBits">Weight bits of the quantized layer (32 = float), or null.</param>
/// <param name="ActivationBits">Input bits the rule asked for (32 = float), or null.</param>
/// <param name="InputQuantized">Whether the layer quantizes its input, or null when it is not quantized.</param>
public sealed record LayerDecision(
    string Name,
    string OriginalType,
    QuantDecision Decision,
    string? Rule,
    string? NewType,
    int? WeightBits,
    int? ActivationBits,
    bool? InputQuantized);
