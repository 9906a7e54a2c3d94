namespace QQuant.Export;

/// <summary>How grids narrower than 8 bits are written.</summary>
public enum OnnxQuantFormat
{
    /// <summary>
    /// An 8-bit container with an integer <c>Clip</c> to the grid between <c>QuantizeLinear</c> and
    /// <c>DequantizeLinear</c> (Brevitas' QCDQ): ONNX Runtime fuses it into integer kernels. The default.
    /// </summary>
    Qcdq,

    /// <summary>
    /// 4-bit containers (<c>INT4</c>/<c>UINT4</c>) where the grid is exactly a 4-bit range (smaller files; ONNX
    /// Runtime then runs the convolution in float), QCDQ for the other narrow grids.
    /// </summary>
    Qdq,
}
