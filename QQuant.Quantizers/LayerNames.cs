using QQuant;
using TorchSharp.Modules;

// The per-layer names of the first release, kept so policies written with them mean what they meant: each is one
// scheme on one float module type. They are names, not layers; the layers are QuantizedConv2d and QuantizedLinear.

namespace QQuant.Quantizers;

/// <summary><c>Use&lt;LSQConv&gt;</c>: LSQ (<see cref="Lsq"/>) on <see cref="Conv2d"/>.</summary>
public sealed class LSQConv : SchemeLayer<LSQConv, Lsq, Conv2d>
{
}

/// <summary><c>Use&lt;LSQLinear&gt;</c>: LSQ (<see cref="Lsq"/>) on <see cref="Linear"/>.</summary>
public sealed class LSQLinear : SchemeLayer<LSQLinear, Lsq, Linear>
{
}

/// <summary><c>Use&lt;LSQPlusConv&gt;</c>: LSQ+ (<see cref="LsqPlus"/>) on <see cref="Conv2d"/>.</summary>
public sealed class LSQPlusConv : SchemeLayer<LSQPlusConv, LsqPlus, Conv2d>
{
}

/// <summary><c>Use&lt;LSQPlusLinear&gt;</c>: LSQ+ (<see cref="LsqPlus"/>) on <see cref="Linear"/>.</summary>
public sealed class LSQPlusLinear : SchemeLayer<LSQPlusLinear, LsqPlus, Linear>
{
}

/// <summary><c>Use&lt;DSQConv&gt;</c>: DSQ (<see cref="Dsq"/>) on <see cref="Conv2d"/>.</summary>
public sealed class DSQConv : SchemeLayer<DSQConv, Dsq, Conv2d>
{
}

/// <summary><c>Use&lt;DSQLinear&gt;</c>: DSQ (<see cref="Dsq"/>) on <see cref="Linear"/>.</summary>
public sealed class DSQLinear : SchemeLayer<DSQLinear, Dsq, Linear>
{
}

/// <summary><c>Use&lt;DoReFaConv&gt;</c>: DoReFa (<see cref="DoReFa"/>) on <see cref="Conv2d"/>.</summary>
public sealed class DoReFaConv : SchemeLayer<DoReFaConv, DoReFa, Conv2d>
{
}

/// <summary><c>Use&lt;DoReFaLinear&gt;</c>: DoReFa (<see cref="DoReFa"/>) on <see cref="Linear"/>.</summary>
public sealed class DoReFaLinear : SchemeLayer<DoReFaLinear, DoReFa, Linear>
{
}

/// <summary><c>Use&lt;PACTConv&gt;</c>: PACT (<see cref="Pact"/>) on <see cref="Conv2d"/>.</summary>
public sealed class PACTConv : SchemeLayer<PACTConv, Pact, Conv2d>
{
}

/// <summary><c>Use&lt;PACTLinear&gt;</c>: PACT (<see cref="Pact"/>) on <see cref="Linear"/>.</summary>
public sealed class PACTLinear : SchemeLayer<PACTLinear, Pact, Linear>
{
}

/// <summary><c>Use&lt;APoTConv&gt;</c>: APoT (<see cref="APoT"/>) on <see cref="Conv2d"/>.</summary>
public sealed class APoTConv : SchemeLayer<APoTConv, APoT, Conv2d>
{
}

/// <summary><c>Use&lt;APoTLinear&gt;</c>: APoT (<see cref="APoT"/>) on <see cref="Linear"/>.</summary>
public sealed class APoTLinear : SchemeLayer<APoTLinear, APoT, Linear>
{
}

/// <summary><c>Use&lt;UniformConv&gt;</c>: uniform quantization (<see cref="Uniform"/>) on <see cref="Conv2d"/>.</summary>
public sealed class UniformConv : SchemeLayer<UniformConv, Uniform, Conv2d>
{
}

/// <summary><c>Use&lt;UniformLinear&gt;</c>: uniform quantization (<see cref="Uniform"/>) on <see cref="Linear"/>.</summary>
public sealed class UniformLinear : SchemeLayer<UniformLinear, Uniform, Linear>
{
}

/// <summary><c>Use&lt;EightBitConv&gt;</c>: the 8-bit scheme (<see cref="EightBit"/>) on <see cref="Conv2d"/>.</summary>
public sealed class EightBitConv : SchemeLayer<EightBitConv, EightBit, Conv2d>
{
}

/// <summary><c>Use&lt;EightBitLinear&gt;</c>: the 8-bit scheme (<see cref="EightBit"/>) on <see cref="Linear"/>.</summary>
public sealed class EightBitLinear : SchemeLayer<EightBitLinear, EightBit, Linear>
{
}
