namespace QQuant.Analysis;

/// <summary>The size of a model's parameters in bytes.</summary>
/// <param name="Float32Bytes">Every parameter of the float model at 4 bytes.</param>
/// <param name="QuantizedBytes">
/// The quantized model's parameters at the bit widths its layers store them in: the weight of a quantized layer at its
/// weight bits, every other parameter (biases, norms, quantizer state) at 4 bytes.
/// </param>
public sealed record ModelSize(double Float32Bytes, double QuantizedBytes)
{
    /// <summary><see cref="Float32Bytes"/> over <see cref="QuantizedBytes"/>.</summary>
    public double CompressionRatio => Float32Bytes / QuantizedBytes;
}
