using System.Globalization;

namespace Toolkit.Ml.Onnx;

/// <summary>ONNX tensor element types (TensorProto.DataType) the exporter uses.</summary>
internal enum OnnxType
{
    Float = 1,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Double = 11,
}

/// <summary>
/// Builds one ONNX graph: inputs, nodes with attributes, constant initializers and outputs, then the
/// ModelProto around it. Node outputs get fresh, unique names.
/// </summary>
internal sealed class OnnxGraph
{
    public const string MlDomain = "ai.onnx.ml";

    // IR version 8 (ONNX 1.10) carries opset 17; ai.onnx.ml 3 has TreeEnsembleRegressor v3 and LabelEncoder v2.
    public const long IrVersion = 8;
    public const long OnnxOpset = 17;
    public const long MlOpset = 3;

    private readonly List<ProtoWriter> _nodes = [];
    private readonly List<ProtoWriter> _initializers = [];
    private readonly List<string> _initializerNames = [];
    private readonly List<ProtoWriter> _inputs = [];
    private readonly List<ProtoWriter> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>Declares a graph input of shape [N, 1].</summary>
    public string Input(string name, OnnxType type)
    {
        _names.Add(name);
        _inputs.Add(ValueInfo(name, type));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as a graph output of shape [N, 1] named <paramref name="name"/>.</summary>
    public void Output(string value, string name, OnnxType type)
    {
        var renamed = Node("Identity", [value], name: name);
        _outputs.Add(ValueInfo(renamed, type));
    }

    /// <summary>Adds a node and returns the name of its (single) output.</summary>
    public string Node(string op, IReadOnlyList<string> inputs, IReadOnlyList<ProtoWriter>? attributes = null, string domain = "", string? name = null)
    {
        var output = name ?? Fresh(op);
        if (name is not null && !_names.Add(name))
        {
            throw new InvalidOperationException($"ONNX value name '{name}' is used twice.");
        }

        var node = new ProtoWriter();
        foreach (var i in inputs)
        {
            node.String(1, i);
            _consumed.Add(i);
        }

        node.String(2, output).String(3, output).String(4, op);
        foreach (var a in attributes ?? [])
        {
            node.Message(5, a);
        }

        if (domain.Length > 0)
        {
            node.String(7, domain);
        }

        _nodes.Add(node);
        return output;
    }

    /// <summary>A double scalar constant; one initializer per distinct value.</summary>
    public string Double(double value) => Shared("d" + BitConverter.DoubleToInt64Bits(value).ToString(CultureInfo.InvariantCulture),
        () => Constant(OnnxType.Double, [], BitConverter.GetBytes(value)));

    /// <summary>An int64 scalar constant; one initializer per distinct value.</summary>
    public string Int64(long value) => Shared("i" + value.ToString(CultureInfo.InvariantCulture),
        () => Constant(OnnxType.Int64, [], BitConverter.GetBytes(value)));

    /// <summary>A string scalar constant; one initializer per distinct value.</summary>
    public string Text(string value) => Shared("s" + value, () =>
    {
        var name = Fresh("const");
        _initializers.Add(new ProtoWriter().Int(2, (long)OnnxType.String).String(6, value).String(8, name));
        _initializerNames.Add(name);
        return name;
    });

    /// <summary>A double matrix constant of shape [rows, cols], row-major.</summary>
    public string DoubleMatrix(IReadOnlyList<double> values, int rows, int cols) =>
        Constant(OnnxType.Double, [rows, cols], values.SelectMany(BitConverter.GetBytes).ToArray());

    public byte[] ToModel(string producerVersion, string docString, IReadOnlyDictionary<string, string> metadata)
    {
        // ONNX Runtime warns about (and drops) initializers no node reads: never write one.
        if (_initializerNames.FirstOrDefault(n => !_consumed.Contains(n)) is { } unused)
        {
            throw new InvalidOperationException($"ONNX initializer '{unused}' is not used by any node.");
        }

        var graph = new ProtoWriter();
        foreach (var n in _nodes)
        {
            graph.Message(1, n);
        }

        graph.String(2, "toolkit");
        foreach (var i in _initializers)
        {
            graph.Message(5, i);
        }

        foreach (var i in _inputs)
        {
            graph.Message(11, i);
        }

        foreach (var o in _outputs)
        {
            graph.Message(12, o);
        }

        var model = new ProtoWriter()
            .Int(1, IrVersion)
            .String(2, "toolkit")
            .String(3, producerVersion)
            .String(6, docString)
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int(2, OnnxOpset))
            .Message(8, new ProtoWriter().String(1, MlDomain).Int(2, MlOpset));
        foreach (var (k, v) in metadata)
        {
            model.Message(14, new ProtoWriter().String(1, k).String(2, v));
        }

        return model.ToArray();
    }

    public static ProtoWriter IntAttribute(string name, long value) => new ProtoWriter().String(1, name).Int(20, 2).Int(3, value);

    public static ProtoWriter StringAttribute(string name, string value) => new ProtoWriter().String(1, name).Int(20, 3).String(4, value);

    public static ProtoWriter IntsAttribute(string name, IEnumerable<long> values) =>
        new ProtoWriter().String(1, name).Int(20, 7).PackedInts(8, values);

    public static ProtoWriter FloatsAttribute(string name, IEnumerable<float> values) =>
        new ProtoWriter().String(1, name).Int(20, 6).PackedFloats(7, values);

    public static ProtoWriter StringsAttribute(string name, IEnumerable<string> values)
    {
        var a = new ProtoWriter().String(1, name).Int(20, 8);
        foreach (var v in values)
        {
            a.String(9, v);
        }

        return a;
    }

    /// <summary>A 1-D double tensor attribute (the <c>*_as_tensor</c> attributes of the tree operators).</summary>
    public static ProtoWriter DoublesTensorAttribute(string name, IReadOnlyList<double> values) =>
        new ProtoWriter().String(1, name).Int(20, 4).Message(5, Tensor(null, OnnxType.Double, [values.Count], values.SelectMany(BitConverter.GetBytes).ToArray()));

    private string Shared(string key, Func<string> create)
    {
        if (!_constants.TryGetValue(key, out var name))
        {
            name = create();
            _constants[key] = name;
        }

        return name;
    }

    private string Constant(OnnxType type, long[] dims, byte[] raw)
    {
        var name = Fresh("const");
        _initializers.Add(Tensor(name, type, dims, raw));
        _initializerNames.Add(name);
        return name;
    }

    private static ProtoWriter Tensor(string? name, OnnxType type, long[] dims, byte[] raw)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is not.");
        }

        var t = new ProtoWriter();
        if (dims.Length > 0)
        {
            t.PackedInts(1, dims);
        }

        t.Int(2, (long)type);
        if (name is not null)
        {
            t.String(8, name);
        }

        return t.Bytes(9, raw);
    }

    private static ProtoWriter ValueInfo(string name, OnnxType type)
    {
        var shape = new ProtoWriter()
            .Message(1, new ProtoWriter().String(2, "N"))
            .Message(1, new ProtoWriter().Int(1, 1));
        var tensor = new ProtoWriter().Int(1, (long)type).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensor));
    }

    private string Fresh(string hint)
    {
        string name;
        do
        {
            name = string.Create(CultureInfo.InvariantCulture, $"_{hint}_{_next++}");
        }
        while (!_names.Add(name));

        return name;
    }
}
