using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>
/// A value of the graph being exported: its ONNX name and the tensor the TorchSharp model computes for it on the
/// export's sample input (so every emitter knows shapes and can check itself).
/// </summary>
/// <param name="Name">The ONNX value name.</param>
/// <param name="Sample">The model's value on the sample input (owned by the export, disposed when it ends).</param>
public sealed record OnnxValue(string Name, Tensor Sample);
