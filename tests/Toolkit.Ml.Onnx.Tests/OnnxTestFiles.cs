using System.Text;

namespace Toolkit.Ml.Onnx.Tests;

/// <summary>ONNX files for the flavor tests: an export without our metadata, and ONNX-ML classifiers as other tools write them.</summary>
internal static class OnnxTestFiles
{
    /// <summary>The ModelProto without its metadata_props (field 14): a file as a tool other than ours writes it.</summary>
    public static byte[] WithoutMetadata(byte[] onnx)
    {
        var kept = new MemoryStream();
        foreach (var f in ProtoReader.Fields(onnx))
        {
            if (f.Number != 14)
            {
                var start = f.WireType == 2 ? StartOfLengthDelimited(onnx, f) : f.Offset;
                var end = f.WireType == 2 ? f.Offset + f.Bytes.Length : NextOffset(onnx, f);
                kept.Write(onnx, start, end - start);
            }
        }

        return kept.ToArray();
    }

    /// <summary>
    /// x1, x2 (float [N, 1]) → Concat → ai.onnx.ml LinearClassifier (classes 0 and 1, SOFTMAX over a zero
    /// row for class 0 and w·x + b for class 1, so P(1) = sigmoid(w·x + b)); outputs <c>label</c> (int64 [N])
    /// and either <c>probabilities</c> (float [N, 2]) or, through ZipMap, <c>output_probability</c>.
    /// </summary>
    public static byte[] LinearClassifier(float w1, float w2, float b, bool zipMap)
    {
        var nodes = new List<ProtoWriter>
        {
            Node("Concat", ["x1", "x2"], ["features"], "", OnnxGraph.IntAttribute("axis", 1)),
            Node("LinearClassifier", ["features"], ["label", "probabilities"], OnnxGraph.MlDomain,
                OnnxGraph.FloatsAttribute("coefficients", [0, 0, w1, w2]),
                OnnxGraph.FloatsAttribute("intercepts", [0, b]),
                OnnxGraph.IntsAttribute("classlabels_ints", [0, 1]),
                OnnxGraph.StringAttribute("post_transform", "SOFTMAX")),
        };
        var outputs = new List<ProtoWriter> { Tensor("label", 7, [null]) };
        if (zipMap)
        {
            nodes.Add(Node("ZipMap", ["probabilities"], ["output_probability"], OnnxGraph.MlDomain, OnnxGraph.IntsAttribute("classlabels_int64s", [0, 1])));
            var map = new ProtoWriter().Int(1, 7).Message(2, new ProtoWriter().Message(1, new ProtoWriter().Int(1, 1)));
            var sequence = new ProtoWriter().Message(1, new ProtoWriter().Message(5, map));
            outputs.Add(new ProtoWriter().String(1, "output_probability").Message(2, new ProtoWriter().Message(4, sequence)));
        }
        else
        {
            outputs.Add(Tensor("probabilities", 1, [null, 2]));
        }

        var graph = new ProtoWriter();
        foreach (var n in nodes)
        {
            graph.Message(1, n);
        }

        graph.String(2, "sklearn-like");
        graph.Message(11, Tensor("x1", 1, [null, 1])).Message(11, Tensor("x2", 1, [null, 1]));
        foreach (var o in outputs)
        {
            graph.Message(12, o);
        }

        return ModelProto(graph, "sklearn-like");
    }

    /// <summary>A ModelProto (IR version 8, opsets ai.onnx 17 and ai.onnx.ml 3) around <paramref name="graph"/>.</summary>
    internal static byte[] ModelProto(ProtoWriter graph, string producer) => new ProtoWriter()
        .Int(1, 8)
        .String(2, producer)
        .Message(7, graph)
        .Message(8, new ProtoWriter().String(1, "").Int(2, 17))
        .Message(8, new ProtoWriter().String(1, OnnxGraph.MlDomain).Int(2, 3))
        .ToArray();

    /// <summary>A NodeProto: op type, inputs, outputs, attributes, and its domain unless the default one.</summary>
    internal static ProtoWriter Node(string op, string[] inputs, string[] outputs, string domain, params ProtoWriter[] attributes)
    {
        var node = new ProtoWriter();
        foreach (var i in inputs)
        {
            node.String(1, i);
        }

        foreach (var o in outputs)
        {
            node.String(2, o);
        }

        node.String(3, op + "_node").String(4, op);
        foreach (var a in attributes)
        {
            node.Message(5, a);
        }

        if (domain.Length > 0)
        {
            node.String(7, domain);
        }

        return node;
    }

    /// <summary>A tensor ValueInfo; a null dimension is the symbolic batch size N.</summary>
    private static ProtoWriter Tensor(string name, long elementType, long?[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var d in dims)
        {
            shape.Message(1, d is { } v ? new ProtoWriter().Int(1, v) : new ProtoWriter().String(2, "N"));
        }

        var tensor = new ProtoWriter().Int(1, elementType).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensor));
    }

    private static int StartOfLengthDelimited(byte[] onnx, ProtoField f)
    {
        // Back from the data start over the length varint and the tag.
        var p = f.Offset - 1;
        while (p > 0 && (onnx[p - 1] & 0x80) != 0)
        {
            p--;
        }

        return p - TagLength(f.Number);
    }

    private static int NextOffset(byte[] onnx, ProtoField f)
    {
        var p = f.Offset + TagLength(f.Number);
        ProtoReader.ReadVarint(onnx, ref p);
        return p;
    }

    private static int TagLength(int field) => field < 16 ? 1 : 2;

    public static string Csv(params string[] lines) => string.Join("\n", lines) + "\n";

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
