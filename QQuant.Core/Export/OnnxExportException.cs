namespace QQuant.Export;

/// <summary>An export that cannot be written: a module without emitter, a grid ONNX cannot express, a path that cannot be written.</summary>
public sealed class OnnxExportException : QQuantException
{
    /// <summary>Creates the exception for the module at <paramref name="path"/> (or the file).</summary>
    public OnnxExportException(string path, string message) : base(message) => Path = path;

    /// <summary>The module path or file the problem is about.</summary>
    public string Path { get; }
}
