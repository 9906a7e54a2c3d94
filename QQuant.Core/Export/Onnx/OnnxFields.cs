namespace QQuant.Export.Onnx;

/// <summary>The field numbers of <c>onnx.proto</c> that this object model reads and writes, per message.</summary>
internal static class OnnxFields
{
    /// <summary><c>ModelProto</c>.</summary>
    public static class Model
    {
        public const int IrVersion = 1;
        public const int ProducerName = 2;
        public const int ProducerVersion = 3;
        public const int DocString = 6;
        public const int Graph = 7;
        public const int OpsetImport = 8;
        public const int MetadataProps = 14;
    }

    /// <summary><c>OperatorSetIdProto</c> (read as a pair of fields 1 and 2).</summary>
    public static class Opset
    {
        public const int Domain = 1;
        public const int Version = 2;
    }

    /// <summary><c>StringStringEntryProto</c> (read as a pair of fields 1 and 2).</summary>
    public static class Entry
    {
        public const int Key = 1;
        public const int Value = 2;
    }

    /// <summary><c>GraphProto</c>.</summary>
    public static class Graph
    {
        public const int Node = 1;
        public const int Name = 2;
        public const int Initializer = 5;
        public const int DocString = 10;
        public const int Input = 11;
        public const int Output = 12;
        public const int ValueInfo = 13;
    }

    /// <summary><c>NodeProto</c>.</summary>
    public static class Node
    {
        public const int Input = 1;
        public const int Output = 2;
        public const int Name = 3;
        public const int OpType = 4;
        public const int Attribute = 5;
        public const int Domain = 7;
    }

    /// <summary><c>AttributeProto</c>.</summary>
    public static class Attribute
    {
        public const int Name = 1;
        public const int F = 2;
        public const int I = 3;
        public const int S = 4;
        public const int T = 5;
        public const int Floats = 7;
        public const int Ints = 8;
        public const int Type = 20;
    }

    /// <summary><c>TensorProto</c>.</summary>
    public static class Tensor
    {
        public const int Dims = 1;
        public const int DataType = 2;
        public const int FloatData = 4;
        public const int Int32Data = 5;
        public const int StringData = 6;
        public const int Int64Data = 7;
        public const int Name = 8;
        public const int RawData = 9;
        public const int DoubleData = 10;
        public const int UInt64Data = 11;
        public const int ExternalData = 13;
        public const int DataLocation = 14;
    }

    /// <summary><c>ValueInfoProto</c>.</summary>
    public static class ValueInfo
    {
        public const int Name = 1;
        public const int Type = 2;
    }

    /// <summary><c>TypeProto</c>: only its <c>tensor_type</c> case is supported; the others are recognised to be refused.</summary>
    public static class Type
    {
        public const int TensorType = 1;
        public const int SequenceType = 4;
        public const int MapType = 5;
        public const int SparseTensorType = 8;
        public const int OptionalType = 9;
    }

    /// <summary><c>TypeProto.Tensor</c>.</summary>
    public static class TensorType
    {
        public const int ElemType = 1;
        public const int Shape = 2;
    }

    /// <summary><c>TensorShapeProto</c>.</summary>
    public static class Shape
    {
        public const int Dim = 1;
    }

    /// <summary><c>TensorShapeProto.Dimension</c>.</summary>
    public static class Dimension
    {
        public const int Value = 1;
        public const int Param = 2;
    }
}
