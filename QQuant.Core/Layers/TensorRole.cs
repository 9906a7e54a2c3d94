namespace QQuant;

/// <summary>What a quantizer quantizes; some algorithms treat weights and activations differently.</summary>
public enum TensorRole
{
    /// <summary>A layer's weight: signed, the same tensor every step.</summary>
    Weight,

    /// <summary>A layer's input: a new batch every step, dimension 0 indexes samples.</summary>
    Activation,
}
