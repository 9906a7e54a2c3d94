using QQuant;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace CustomQuantizer;

/// <summary>
/// A uniform quantizer with one learnable step: <c>q = round(clamp(x / s, −L, L)) · s</c> with
/// <c>L = 2^(b−1) − 1</c> on a signed grid (symmetric around zero, so <c>−x</c> quantizes to <c>−q</c>), and
/// <c>q = round(clamp(x / s, 0, 2^b − 1)) · s</c> on an unsigned one.
/// </summary>
/// <remarks>
/// <para>Initialisation (the first forward in training mode, or <see cref="QuantCalibration"/>):
/// <c>s = max|x| / L</c>, so the largest value seen lands on the last level. Afterwards <c>s</c> is learned: the
/// rounding is straight-through (<see cref="StraightThrough.Round"/>), so <c>s</c> gets <c>round(x/s) − x/s</c>
/// inside the grid and the end level outside it, scaled by <c>1/√(N·L)</c> (N: elements of the tensor) so that its
/// steps stay comparable to the weights'.</para>
/// <para>What the base class gives for free: the <c>initialized</c> and <c>signed</c> buffers, the
/// <see cref="ActivationSign.Auto"/> decision on the initialisation data, calibration, and an error instead of
/// meaningless output when an uninitialised quantizer is evaluated.</para>
/// </remarks>
public sealed class MyQuantizer : CalibratedQuantizer
{
    // Named like the registered parameter and not readonly, so that to(device or dtype) can put the moved tensor back.
    [ComponentName(Name = "step")]
    private Parameter _step;

    /// <summary>Creates the quantizer with an uninitialised step.</summary>
    /// <param name="bits">2..8.</param>
    /// <param name="sign">The grid's sign, or Auto to decide it from the initialisation data.</param>
    public MyQuantizer(int bits, ActivationSign sign) : base(nameof(MyQuantizer), bits, sign, perChannel: false)
    {
        if (bits is < 2 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "MyQuantizer needs 2..8 bits.");
        }

        _step = (Parameter)new Parameter(ones(1)).DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <summary>The learnable step, shape <c>[1]</c>.</summary>
    public Parameter Step => _step;

    /// <summary>The highest level of the grid: <c>2^(b−1) − 1</c> when signed, <c>2^b − 1</c> when unsigned.</summary>
    public int MaxLevel => IsSigned ? (1 << (Bits - 1)) - 1 : (1 << Bits) - 1;

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input)
    {
        using var scope = NewDisposeScope();
        int max = MaxLevel;
        int min = IsSigned ? -max : 0;
        Tensor step = StraightThrough.ScaleGradient(_step, 1.0 / Math.Sqrt(input.numel() * (double)max));
        Tensor s = step.abs().clamp_min(1e-8);
        Tensor levels = StraightThrough.Round((input / s).clamp(min, max));
        return (levels * s).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        Tensor step = statistics.MaxAbs() / MaxLevel;
        _step.copy_(where(step > 0, step, ones_like(step)));   // all-zero data: a neutral step of 1
    }
}
