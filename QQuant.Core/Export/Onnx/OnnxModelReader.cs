using F = QQuant.Export.Onnx.OnnxFields;

namespace QQuant.Export.Onnx;

/// <summary>
/// Decodes an ONNX file (a protobuf <c>ModelProto</c>) into an <see cref="OnnxModel"/>, with no dependency beyond .NET.
/// It reads every field the object model has, accepts repeated scalars packed or not and tensor contents as
/// <c>raw_data</c> or in the typed fields, and passes over fields it does not know (ONNX Runtime's optimised models
/// carry some). Anything malformed ends in an <see cref="OnnxFormatException"/>, never in a half-read model; so does
/// a model without an IR version, a graph or an operator set import, which ONNX requires of every model.
/// </summary>
public static class OnnxModelReader
{
    /// <summary>Reads a model from its file content.</summary>
    /// <exception cref="OnnxFormatException">The bytes are not an ONNX model this object model can read.</exception>
    public static OnnxModel Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new OnnxFormatException("The content is empty: an ONNX model has at least an IR version and a graph.");
        }

        return new ModelMessage().Read(new ProtoReader(bytes, "ModelProto"));
    }

    /// <summary>Reads the model file at <paramref name="path"/>.</summary>
    /// <exception cref="OnnxFormatException">The file is not an ONNX model this object model can read; the message names it.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static OnnxModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Read(bytes);
        }
        catch (OnnxFormatException e)
        {
            throw new OnnxFormatException(path, $"'{path}' is not an ONNX model QQuant can read: {e.Message}", e);
        }
    }

    private sealed class ModelMessage : ProtoMessage<OnnxModel>
    {
        private readonly List<OnnxOpsetImport> _opsets = [];
        private readonly List<KeyValuePair<string, string>> _metadata = [];
        private long? _irVersion;
        private OnnxGraph? _graph;
        private string _producerName = "", _producerVersion = "", _docString = "";

        protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
        {
            switch (field)
            {
                case F.Model.IrVersion:
                    _irVersion = reader.Int64(field, type);
                    break;
                case F.Model.ProducerName:
                    _producerName = reader.String(field, type);
                    break;
                case F.Model.ProducerVersion:
                    _producerVersion = reader.String(field, type);
                    break;
                case F.Model.DocString:
                    _docString = reader.String(field, type);
                    break;
                case F.Model.Graph:
                    _graph = new GraphMessage().Read(reader.Message(field, type, "GraphProto"));
                    break;
                case F.Model.OpsetImport:
                    (string domain, long version) = new PairMessage<string, long>(StringField, Int64Field, "", 0).Read(reader.Message(field, type, "OperatorSetIdProto"));
                    _opsets.Add(new OnnxOpsetImport(domain, version));
                    break;
                case F.Model.MetadataProps:
                    (string key, string value) = new PairMessage<string, string>(StringField, StringField, "", "").Read(reader.Message(field, type, "StringStringEntryProto"));
                    _metadata.Add(new KeyValuePair<string, string>(key, value));
                    break;
                default:
                    return false;
            }

            return true;
        }

        protected override OnnxModel Build(ProtoReader reader)
        {
            if (_irVersion is not { } irVersion || _graph is null || _opsets.Count == 0)
            {
                string missing = _irVersion is null ? "IR version" : _graph is null ? "graph" : "operator set import";
                throw reader.Error($"it has no {missing}, which every ONNX model has", 0);
            }

            var model = new OnnxModel(_graph)
            {
                IrVersion = irVersion,
                ProducerName = _producerName,
                ProducerVersion = _producerVersion,
                DocString = _docString,
            };
            _opsets.ForEach(model.OpsetImports.Add);
            _metadata.ForEach(model.MetadataProps.Add);
            return model;
        }
    }

    /// <summary>A message of two fields, numbered 1 and 2: <c>OperatorSetIdProto</c> and <c>StringStringEntryProto</c>.</summary>
    private sealed class PairMessage<TFirst, TSecond>(FieldValue<TFirst> first, FieldValue<TSecond> second, TFirst firstValue, TSecond secondValue)
        : ProtoMessage<(TFirst First, TSecond Second)>
    {
        private (TFirst First, TSecond Second) _pair = (firstValue, secondValue);

        protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
        {
            if (field == 1)
            {
                _pair.First = first(ref reader, field, type);
            }
            else if (field == 2)
            {
                _pair.Second = second(ref reader, field, type);
            }

            return field is 1 or 2;
        }

        protected override (TFirst First, TSecond Second) Build(ProtoReader reader) => _pair;
    }

    private delegate T FieldValue<T>(ref ProtoReader reader, int field, WireType type);

    private static string StringField(ref ProtoReader reader, int field, WireType type) => reader.String(field, type);

    private static long Int64Field(ref ProtoReader reader, int field, WireType type) => reader.Int64(field, type);
}
