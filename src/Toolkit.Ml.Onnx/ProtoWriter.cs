using System.Text;

namespace Toolkit.Ml.Onnx;

/// <summary>
/// A minimal protobuf encoder for the few ONNX messages the exporter writes (field numbers from
/// onnx/onnx.proto). Hand-written because the exporter only ever writes, and only these shapes.
/// </summary>
internal sealed class ProtoWriter
{
    private const int Varint = 0;
    private const int LengthDelimited = 2;
    private const int Fixed32 = 5;

    private readonly MemoryStream _buffer = new();

    public ProtoWriter Int(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint(unchecked((ulong)value));
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public ProtoWriter Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> b = stackalloc byte[4];
        BitConverter.TryWriteBytes(b, value);
        if (!BitConverter.IsLittleEndian)
        {
            b.Reverse();
        }

        _buffer.Write(b);
        return this;
    }

    /// <summary>A repeated int64 field, packed (proto2 accepts packed for repeated scalars).</summary>
    public ProtoWriter PackedInts(int field, IEnumerable<long> values)
    {
        var inner = new ProtoWriter();
        foreach (var v in values)
        {
            inner.WriteVarint(unchecked((ulong)v));
        }

        return Bytes(field, inner.ToArray());
    }

    /// <summary>A repeated float field, packed.</summary>
    public ProtoWriter PackedFloats(int field, IEnumerable<float> values)
    {
        var inner = new MemoryStream();
        Span<byte> b = stackalloc byte[4];
        foreach (var v in values)
        {
            BitConverter.TryWriteBytes(b, v);
            if (!BitConverter.IsLittleEndian)
            {
                b.Reverse();
            }

            inner.Write(b);
        }

        return Bytes(field, inner.ToArray());
    }

    public byte[] ToArray() => _buffer.ToArray();

    private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
