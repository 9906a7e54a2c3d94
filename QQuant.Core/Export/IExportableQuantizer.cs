using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>
/// A quantizer that can describe its grid in integers for export (<see cref="QuantGrid"/>), or say why it cannot.
/// </summary>
public interface IExportableQuantizer
{
    /// <summary>
    /// The grid as the quantizer stands (evaluation state): for a weight, <paramref name="weight"/> is the float weight
    /// and the result carries its integer codes; for an activation it is null.
    /// </summary>
    /// <returns>The grid, or null with <paramref name="reason"/> saying why it cannot be written as integer Q/DQ.</returns>
    QuantGrid? ExportGrid(Tensor? weight, out string? reason);
}
