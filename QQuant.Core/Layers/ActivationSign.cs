namespace QQuant;

/// <summary>Whether a layer's input is quantized on a signed or an unsigned grid.</summary>
public enum ActivationSign
{
    /// <summary>Decided by the quantizer from data (each algorithm documents when and how).</summary>
    Auto,

    /// <summary>Non-negative inputs (after a ReLU): the grid covers [0, max].</summary>
    Unsigned,

    /// <summary>Inputs of both signs: the grid is symmetric around zero.</summary>
    Signed,
}
