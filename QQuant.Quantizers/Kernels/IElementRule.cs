using System.Numerics;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// One fake quantizer's element-wise math for the elements of one row (one channel, or the whole tensor), as a struct
/// so that <see cref="ElementwiseKernel"/> is compiled for it with every call inlined. Each method has a SIMD form and
/// a scalar form for the tail; both must compute the same float32 operations, in the same order, as the quantizer's
/// composed TorchSharp ops, so the forward agrees bit for bit.
/// </summary>
internal interface IElementRule
{
    /// <summary>The fake-quantized values.</summary>
    Vector<float> Forward(Vector<float> x);

    /// <inheritdoc cref="Forward(Vector{float})" />
    float Forward(float x);

    /// <summary>
    /// The input's gradient for upstream gradient <paramref name="g"/>, and this element's terms of the row's learned
    /// parameters' gradients (up to three; zero for rules with fewer parameters). Returned rather than added through references,
    /// so the kernel's accumulators stay in registers.
    /// </summary>
    (Vector<float> Input, Vector<float> First, Vector<float> Second, Vector<float> Third) Backward(Vector<float> x, Vector<float> g);

    /// <inheritdoc cref="Backward(Vector{float}, Vector{float})" />
    (float Input, float First, float Second, float Third) Backward(float x, float g);
}
