namespace QQuant.Quantizers;

/// <summary>How an activation quantizer with a learned range (LSQ+'s step and offset, DSQ's bounds) starts from data.</summary>
public enum RangeInitialization
{
    /// <summary>
    /// The grid spans the data's range: <c>[min, max]</c> (for LSQ+ without an offset, the smallest step whose grid
    /// covers it). The default.
    /// </summary>
    MinMax,

    /// <summary>
    /// The grid that minimises the mean squared error between the data and its fake-quantized values, as the LSQ+
    /// paper proposes: searched over a bounded sample of the data (65 536 values), never worse than
    /// <see cref="MinMax"/> on that sample. Trades clipping of rare large values for finer steps where the data is.
    /// </summary>
    Mse,
}
