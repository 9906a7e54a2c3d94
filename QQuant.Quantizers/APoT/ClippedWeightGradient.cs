namespace QQuant.Quantizers;

/// <summary>
/// The gradient an APoT or uniform weight gets where its standardised value lies beyond the clip α (the weight's own
/// gradient; α's is the same in every mode).
/// </summary>
public enum ClippedWeightGradient
{
    /// <summary>
    /// The incoming gradient, unmasked, at 2 bits (ternary weights, whose clip rounds most weights to ±α); zero at more
    /// bits. The Python reference does this, and the authors' code passes it at 2 bits too. The default.
    /// </summary>
    PassAtTwoBits,

    /// <summary>Zero at every bit width: the clamp's own gradient (the first release's behaviour).</summary>
    Zero,

    /// <summary>The incoming gradient, unmasked, at every bit width, as the authors' weight function does.</summary>
    Pass,
}
