namespace Toolkit.Ml.Onnx;

/// <summary>One field of a protobuf message as read: its number, wire type, and its value or bytes.</summary>
internal readonly record struct ProtoField(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes, int Offset);

/// <summary>
/// A minimal protobuf decoder for the few ONNX messages the toolkit reads (ModelProto's top level,
/// its graph's nodes and metadata). It refuses what protobuf does not allow: a truncated field, an
/// unknown wire type, a length running past the end, field number 0.
/// </summary>
internal static class ProtoReader
{
    /// <summary>The fields of one message, in order; <see cref="FormatException"/> with the byte offset on malformed input.</summary>
    public static List<ProtoField> Fields(ReadOnlyMemory<byte> message, int baseOffset = 0)
    {
        var fields = new List<ProtoField>();
        var span = message.Span;
        var p = 0;
        while (p < span.Length)
        {
            var start = p;
            var tag = ReadVarint(span, ref p, baseOffset);
            var number = tag >> 3;
            var wire = (int)(tag & 7);
            if (number is 0 or > int.MaxValue >> 3)
            {
                throw new FormatException($"invalid field number {number} at byte {baseOffset + start}");
            }

            switch (wire)
            {
                case 0:
                    fields.Add(new((int)number, wire, ReadVarint(span, ref p, baseOffset), default, baseOffset + start));
                    break;
                case 1:
                case 5:
                    var size = wire == 1 ? 8 : 4;
                    if (span.Length - p < size)
                    {
                        throw new FormatException($"field {number} at byte {baseOffset + start} runs past the end (truncated?)");
                    }

                    fields.Add(new((int)number, wire, 0, message.Slice(p, size), baseOffset + start));
                    p += size;
                    break;
                case 2:
                    var length = ReadVarint(span, ref p, baseOffset);
                    if (length > (ulong)(span.Length - p))
                    {
                        throw new FormatException($"field {number} at byte {baseOffset + start} declares {length} bytes but only {span.Length - p} remain (truncated?)");
                    }

                    fields.Add(new((int)number, wire, 0, message.Slice(p, (int)length), baseOffset + p));
                    p += (int)length;
                    break;
                default:
                    throw new FormatException($"field {number} at byte {baseOffset + start} has wire type {wire}, which ONNX files do not use");
            }
        }

        return fields;
    }

    public static ulong ReadVarint(ReadOnlySpan<byte> span, ref int p, int baseOffset = 0)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (p >= span.Length)
            {
                throw new FormatException($"a number at byte {baseOffset + p} is cut off (truncated?)");
            }

            var b = span[p++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException($"a number at byte {baseOffset + p} is longer than 10 bytes");
    }
}
