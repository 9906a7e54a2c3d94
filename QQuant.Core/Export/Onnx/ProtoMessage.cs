namespace QQuant.Export.Onnx;

/// <summary>
/// The decoding of one protobuf message into a <typeparamref name="T"/>: the fields arrive one at a time, in any order;
/// those the message does not know are skipped; at the end the value is built (and checked). An instance reads one message.
/// </summary>
internal abstract class ProtoMessage<T>
{
    /// <summary>Reads every field of the message <paramref name="reader"/> holds and builds the value.</summary>
    public T Read(ProtoReader reader)
    {
        while (!reader.AtEnd)
        {
            (int field, WireType type) = reader.ReadTag();
            if (!ReadField(ref reader, field, type))
            {
                reader.Skip(type);
            }
        }

        return Build(reader);
    }

    /// <summary>Reads field <paramref name="field"/> if the message knows it and returns true; false leaves it to be skipped.</summary>
    protected abstract bool ReadField(ref ProtoReader reader, int field, WireType type);

    /// <summary>The value, from the fields read; <paramref name="reader"/> is there for <see cref="ProtoReader.Error"/>.</summary>
    protected abstract T Build(ProtoReader reader);
}
