using System.Text;

namespace Toolkit.Ml.Onnx;

/// <summary>
/// What the toolkit reads of an ONNX ModelProto before ONNX Runtime sees it: the IR version, the
/// producer, the metadata_props and the graph's operator types. Checking the message structure here
/// gives "truncated at byte N" instead of a parser error deep inside ONNX Runtime.
/// </summary>
internal sealed record OnnxModelProto(long IrVersion, string ProducerName, IReadOnlyList<KeyValuePair<string, string>> Metadata, IReadOnlyList<string> Operators)
{
    // ModelProto field numbers (onnx/onnx.proto).
    private const int IrVersionField = 1;
    private const int ProducerNameField = 2;
    private const int GraphField = 7;
    private const int OpsetImportField = 8;
    private const int MetadataPropsField = 14;

    // The IR versions ONNX has defined so far are 1..11; a wider bound still refuses random bytes.
    private const long MaxIrVersion = 64;

    /// <summary>The second byte of a file after 0x08 (ir_version) and the tags ModelProto's next field can start with.</summary>
    private static readonly byte[] NextFieldTags = [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72, 0xa2, 0xca];

    /// <summary>Whether <paramref name="head"/> starts like a ModelProto: ir_version (field 1, a small number), then a ModelProto field.</summary>
    public static bool LooksLikeModel(ReadOnlySpan<byte> head) =>
        head.Length >= 2
        && head[0] == 0x08
        && head[1] is >= 1 and <= (byte)MaxIrVersion
        && (head.Length == 2 || NextFieldTags.Contains(head[2]));

    /// <summary>Parses the top level; <see cref="FormatException"/> naming what is wrong.</summary>
    public static OnnxModelProto Parse(ReadOnlyMemory<byte> bytes)
    {
        long? ir = null;
        var producer = string.Empty;
        var metadata = new List<KeyValuePair<string, string>>();
        var operators = new List<string>();
        var graphs = 0;
        var opsets = 0;
        foreach (var f in ProtoReader.Fields(bytes))
        {
            switch (f.Number)
            {
                case IrVersionField:
                    Expect(f, 0, "ir_version");
                    ir = (long)f.Varint;
                    break;
                case ProducerNameField:
                    Expect(f, 2, "producer_name");
                    producer = Text(f, "producer_name");
                    break;
                case GraphField:
                    Expect(f, 2, "graph");
                    graphs++;
                    operators.AddRange(OperatorsOf(f));
                    break;
                case OpsetImportField:
                    Expect(f, 2, "opset_import");
                    opsets++;
                    break;
                case MetadataPropsField:
                    Expect(f, 2, "metadata_props");
                    metadata.Add(Entry(f));
                    break;
            }
        }

        if (ir is not { } version || version is < 1 or > MaxIrVersion)
        {
            throw new FormatException(ir is null ? "it has no ir_version" : $"its ir_version {ir} is not an ONNX IR version");
        }

        if (graphs != 1)
        {
            throw new FormatException(graphs == 0 ? "it has no graph" : $"it has {graphs} graphs");
        }

        if (opsets == 0)
        {
            throw new FormatException("it imports no operator set (opset_import)");
        }

        return new OnnxModelProto(version, producer, metadata, operators);
    }

    /// <summary>A metadata_props entry (StringStringEntryProto) as ModelProto bytes, to append to a model.</summary>
    public static byte[] MetadataEntry(string key, string value) =>
        new ProtoWriter().Message(MetadataPropsField, new ProtoWriter().String(1, key).String(2, value)).ToArray();

    private static IEnumerable<string> OperatorsOf(ProtoField graph)
    {
        // GraphProto.node = 1; NodeProto.op_type = 4, domain = 7.
        foreach (var node in ProtoReader.Fields(graph.Bytes, graph.Offset).Where(n => n.Number == 1))
        {
            Expect(node, 2, "graph.node");
            var fields = ProtoReader.Fields(node.Bytes, node.Offset);
            var op = fields.LastOrDefault(n => n.Number == 4);
            if (op.WireType == 2)
            {
                yield return Text(op, "node.op_type");
            }
        }
    }

    private static KeyValuePair<string, string> Entry(ProtoField f)
    {
        string key = string.Empty, value = string.Empty;
        foreach (var e in ProtoReader.Fields(f.Bytes, f.Offset))
        {
            if (e.Number is 1 or 2)
            {
                Expect(e, 2, "metadata_props entry");
                if (e.Number == 1)
                {
                    key = Text(e, "metadata_props key");
                }
                else
                {
                    value = Text(e, "metadata_props value");
                }
            }
        }

        return new(key, value);
    }

    private static void Expect(ProtoField f, int wireType, string name)
    {
        if (f.WireType != wireType)
        {
            throw new FormatException($"{name} at byte {f.Offset} has wire type {f.WireType}, not {wireType}");
        }
    }

    private static string Text(ProtoField f, string name)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(f.Bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException($"{name} at byte {f.Offset} is not UTF-8 text");
        }
    }
}
