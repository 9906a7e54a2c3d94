namespace QQuant;

/// <summary>What happened (or would happen) to one leaf module.</summary>
public enum QuantDecision
{
    /// <summary>Replaced by a quantized layer.</summary>
    Quantized,

    /// <summary>A rule matched and asked to keep it float (<c>KeepFloat()</c>, or 32 bits for weight and input).</summary>
    KeptFloat,

    /// <summary>Named by an <c>Except</c>.</summary>
    Excepted,

    /// <summary>Already a quantized layer; left alone.</summary>
    AlreadyQuantized,

    /// <summary>No rule matched (BatchNorm, ReLU, pooling, ...); left alone.</summary>
    NoRule,
}
