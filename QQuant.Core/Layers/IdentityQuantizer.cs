using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The quantizer of a tensor that stays float (32 bits): it returns its input unchanged and has no state. Quantized
/// layers hold one where a rule says <c>w: 32</c> or <c>a: 32</c>, or where the input is not quantized.
/// </summary>
public sealed class IdentityQuantizer : Quantizer
{
    /// <summary>Creates the pass-through quantizer.</summary>
    public IdentityQuantizer() : base(nameof(IdentityQuantizer), 32)
    {
    }

    /// <summary>Returns a view of <paramref name="input"/> (same values, same autograd history).</summary>
    public override Tensor forward(Tensor input) => input.alias();
}
