using F = QQuant.Export.Onnx.OnnxFields;

namespace QQuant.Export.Onnx;

/// <summary>
/// Encodes an <see cref="OnnxModel"/> as an ONNX file (a protobuf <c>ModelProto</c>), with no dependency beyond .NET.
/// Fields are written in field-number order; repeated scalars are written unpacked, as <c>onnx.proto</c> (proto2)
/// declares them, and tensor contents always as <c>raw_data</c>. The same model always gives the same bytes.
/// </summary>
public static class OnnxModelWriter
{
    /// <summary>The model's file content.</summary>
    /// <exception cref="OnnxFormatException">The model takes 2 GiB or more, which protobuf cannot encode.</exception>
    public static byte[] ToBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream(CheckedSize(model));
        WriteModel(ProtoWriter.To(stream), model);
        return stream.ToArray();
    }

    /// <summary>Writes the model's file content to <paramref name="stream"/> at its position.</summary>
    /// <exception cref="OnnxFormatException">The model takes 2 GiB or more, which protobuf cannot encode.</exception>
    public static void Write(OnnxModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        CheckedSize(model);
        WriteModel(ProtoWriter.To(stream), model);
    }

    /// <summary>Saves the model to <paramref name="path"/> atomically: a crash never leaves half a model under that name.</summary>
    /// <exception cref="OnnxFormatException">The model takes 2 GiB or more, which protobuf cannot encode.</exception>
    public static void Save(OnnxModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, stream => Write(model, stream));
    }

    /// <summary>The encoded size, checked against protobuf's limit of 2 GiB for one message.</summary>
    private static int CheckedSize(OnnxModel model)
    {
        long size = ProtoWriter.SizeOf(model, WriteModel);
        return size <= int.MaxValue
            ? (int)size
            : throw new OnnxFormatException($"Model '{model.Graph.Name}' takes {size} bytes; an ONNX file holds less than 2 GiB (external tensor data is not supported).");
    }

    private static void WriteModel(ProtoWriter w, OnnxModel model)
    {
        w.Int64(F.Model.IrVersion, model.IrVersion);
        w.StringIfAny(F.Model.ProducerName, model.ProducerName);
        w.StringIfAny(F.Model.ProducerVersion, model.ProducerVersion);
        w.StringIfAny(F.Model.DocString, model.DocString);
        w.Message(F.Model.Graph, model.Graph, WriteGraph);
        w.Messages(F.Model.OpsetImport, model.OpsetImports, static (o, opset) =>
        {
            o.String(F.Opset.Domain, opset.Domain);
            o.Int64(F.Opset.Version, opset.Version);
        });
        w.Messages(F.Model.MetadataProps, model.MetadataProps, static (o, entry) =>
        {
            o.String(F.Entry.Key, entry.Key);
            o.String(F.Entry.Value, entry.Value);
        });
    }

    private static void WriteGraph(ProtoWriter w, OnnxGraph graph)
    {
        w.Messages(F.Graph.Node, graph.Nodes, WriteNode);
        w.StringIfAny(F.Graph.Name, graph.Name);
        w.Messages(F.Graph.Initializer, graph.Initializers, WriteTensor);
        w.StringIfAny(F.Graph.DocString, graph.DocString);
        w.Messages(F.Graph.Input, graph.Inputs, WriteValueInfo);
        w.Messages(F.Graph.Output, graph.Outputs, WriteValueInfo);
        w.Messages(F.Graph.ValueInfo, graph.ValueInfos, WriteValueInfo);
    }

    private static void WriteNode(ProtoWriter w, OnnxNode node)
    {
        foreach (string input in node.Inputs)
        {
            w.String(F.Node.Input, input);
        }

        foreach (string output in node.Outputs)
        {
            w.String(F.Node.Output, output);
        }

        w.StringIfAny(F.Node.Name, node.Name);
        w.String(F.Node.OpType, node.OpType);
        w.Messages(F.Node.Attribute, node.Attributes, WriteAttribute);
        w.StringIfAny(F.Node.Domain, node.Domain);
    }

    private static void WriteAttribute(ProtoWriter w, OnnxAttribute attribute)
    {
        w.String(F.Attribute.Name, attribute.Name);
        switch (attribute.Type)
        {
            case OnnxAttributeType.Float:
                w.Float(F.Attribute.F, attribute.FloatValue);
                break;
            case OnnxAttributeType.Int:
                w.Int64(F.Attribute.I, attribute.IntValue);
                break;
            case OnnxAttributeType.String:
                w.String(F.Attribute.S, attribute.StringValue!);
                break;
            case OnnxAttributeType.Tensor:
                w.Message(F.Attribute.T, attribute.TensorValue!, WriteTensor);
                break;
            case OnnxAttributeType.Floats:
                foreach (float value in attribute.FloatValues)
                {
                    w.Float(F.Attribute.Floats, value);
                }

                break;
            default:
                foreach (long value in attribute.IntValues)
                {
                    w.Int64(F.Attribute.Ints, value);
                }

                break;
        }

        w.Int64(F.Attribute.Type, (long)attribute.Type);
    }

    private static void WriteTensor(ProtoWriter w, OnnxTensor tensor)
    {
        foreach (long dim in tensor.Dims)
        {
            w.Int64(F.Tensor.Dims, dim);
        }

        w.Int64(F.Tensor.DataType, (long)tensor.DataType);
        w.StringIfAny(F.Tensor.Name, tensor.Name);
        w.Bytes(F.Tensor.RawData, tensor.RawData.Span);
    }

    private static void WriteValueInfo(ProtoWriter w, OnnxValueInfo info)
    {
        w.String(F.ValueInfo.Name, info.Name);
        if (info.ElementType != OnnxDataType.Undefined || info.Shape is not null)
        {
            w.Message(F.ValueInfo.Type, info, static (t, i) => t.Message(F.Type.TensorType, i, WriteTensorType));
        }
    }

    private static void WriteTensorType(ProtoWriter w, OnnxValueInfo info)
    {
        w.Int64(F.TensorType.ElemType, (long)info.ElementType);
        if (info.Shape is { } shape)
        {
            w.Message(F.TensorType.Shape, shape, static (s, dims) => s.Messages(F.Shape.Dim, dims, WriteDimension));
        }
    }

    private static void WriteDimension(ProtoWriter w, OnnxDimension dim)
    {
        if (dim.Value is { } value)
        {
            w.Int64(F.Dimension.Value, value);
        }
        else if (dim.Symbol is { } symbol)
        {
            w.String(F.Dimension.Param, symbol);
        }
    }
}
