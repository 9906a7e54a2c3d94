namespace QQuant.Quantizers;

/// <summary>How an <see cref="LsqPlusQuantizer"/> for an activation sets its step and offset from the initialisation data.</summary>
public enum LsqPlusInitialization
{
    /// <summary>
    /// The grid spans the data's range: <c>s = (max − min)/(Qp − Qn)</c>, <c>β = min − Qn·s</c> (without an offset the
    /// smallest step whose grid covers <c>[min, max]</c>). The default.
    /// </summary>
    MinMax,

    /// <summary>
    /// The step and offset that minimise the mean squared error between the data and its fake-quantized values, as the
    /// LSQ+ paper proposes: searched over a bounded sample of the data (65 536 values), never worse than
    /// <see cref="MinMax"/> on that sample. Trades clipping of rare large values for finer steps where the data is.
    /// </summary>
    Mse,
}
