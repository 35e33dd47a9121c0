using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Toolkit.Argo;

/// <summary>
/// A small YAML document model written in one fixed style (block mappings and sequences, two-space
/// indent, comments on their own line), so the same tree always gives the same bytes.
/// </summary>
internal abstract class YNode
{
    public static YScalar Str(string value) => new(value, plain: false);

    public static YScalar Int(long value) => new(value.ToString(CultureInfo.InvariantCulture), plain: true);

    public static YScalar Bool(bool value) => new(value ? "true" : "false", plain: true);

    /// <summary>The same document as JSON (what the Kubernetes API takes): plain scalars are numbers or booleans.</summary>
    public JsonNode? ToJson() => this switch
    {
        YMap m => new JsonObject(m.Entries.Select(e => KeyValuePair.Create(e.Key, e.Value.ToJson()))),
        YSeq s => new JsonArray([.. s.Items.Select(i => i.Item.ToJson())]),
        YScalar { Plain: true, Value: "true" or "false" } b => JsonValue.Create(b.Value == "true"),
        YScalar { Plain: true } n => JsonValue.Create(long.Parse(n.Value, CultureInfo.InvariantCulture)),
        YScalar v => JsonValue.Create(v.Value),
        _ => null,
    };
}

internal sealed class YScalar(string value, bool plain) : YNode
{
    public string Value { get; } = value;

    /// <summary>Written as is (numbers, booleans); otherwise plain only when YAML reads it back as the same string.</summary>
    public bool Plain { get; } = plain;
}

internal sealed class YMap : YNode
{
    private readonly List<(string Key, YNode Value, string? Comment)> _entries = [];

    public IReadOnlyList<(string Key, YNode Value, string? Comment)> Entries => _entries;

    public YMap Add(string key, YNode value, string? comment = null)
    {
        _entries.Add((key, value, comment));
        return this;
    }

    public YMap Add(string key, string value) => Add(key, YNode.Str(value));

    /// <summary>Adds the entry only when there is something to add (no empty lists or maps in the output).</summary>
    public YMap AddIf(string key, YNode? value)
    {
        var empty = value is null || (value is YMap m && m.Entries.Count == 0) || (value is YSeq s && s.Items.Count == 0);
        return empty ? this : Add(key, value!);
    }
}

internal sealed class YSeq : YNode
{
    private readonly List<(YNode Item, string? Comment)> _items = [];

    public IReadOnlyList<(YNode Item, string? Comment)> Items => _items;

    public YSeq Add(YNode item, string? comment = null)
    {
        _items.Add((item, comment));
        return this;
    }

    public YSeq Add(string item) => Add(YNode.Str(item));
}

internal static partial class YamlWriter
{
    public static string Write(YNode root, IEnumerable<string> headerComments)
    {
        var sb = new StringBuilder();
        foreach (var c in headerComments)
        {
            Comment(sb, 0, c);
        }

        switch (root)
        {
            case YMap map:
                WriteMap(sb, map, 0);
                break;
            case YSeq seq:
                WriteSeq(sb, seq, 0);
                break;
            case YScalar s:
                sb.Append(Scalar(s)).Append('\n');
                break;
        }

        return sb.ToString();
    }

    private static void WriteMap(StringBuilder sb, YMap map, int indent, bool firstInline = false)
    {
        var first = true;
        foreach (var (key, value, comment) in map.Entries)
        {
            var inline = first && firstInline;
            if (comment is not null && !inline)
            {
                Comment(sb, indent, comment);
            }

            if (!inline)
            {
                sb.Append(' ', indent);
            }

            first = false;
            sb.Append(Key(key)).Append(':');
            WriteValue(sb, value, indent + 2, indent);
        }
    }

    private static void WriteValue(StringBuilder sb, YNode value, int childIndent, int seqIndent)
    {
        switch (value)
        {
            case YScalar s:
                sb.Append(' ').Append(Scalar(s)).Append('\n');
                break;
            case YMap { Entries.Count: 0 }:
                sb.Append(" {}\n");
                break;
            case YSeq { Items.Count: 0 }:
                sb.Append(" []\n");
                break;
            case YMap m:
                sb.Append('\n');
                WriteMap(sb, m, childIndent);
                break;
            case YSeq q:
                sb.Append('\n');
                WriteSeq(sb, q, seqIndent);
                break;
        }
    }

    private static void WriteSeq(StringBuilder sb, YSeq seq, int indent)
    {
        foreach (var (item, comment) in seq.Items)
        {
            if (comment is not null)
            {
                Comment(sb, indent, comment);
            }

            sb.Append(' ', indent).Append('-');
            switch (item)
            {
                case YMap { Entries.Count: > 0 } m:
                    sb.Append(' ');
                    WriteMap(sb, m, indent + 2, firstInline: true);
                    break;
                case YSeq { Items.Count: > 0 } q:
                    sb.Append('\n');
                    WriteSeq(sb, q, indent + 2);
                    break;
                default:
                    WriteValue(sb, item, indent + 2, indent + 2);
                    break;
            }
        }
    }

    private static void Comment(StringBuilder sb, int indent, string text)
    {
        foreach (var line in text.Split('\n'))
        {
            sb.Append(' ', indent).Append('#');
            if (line.Length > 0)
            {
                sb.Append(' ').Append(line.Replace("\r", "", StringComparison.Ordinal));
            }

            sb.Append('\n');
        }
    }

    private static string Key(string key) => SafePlain().IsMatch(key) && !Reserved(key) ? key : Quote(key);

    private static string Scalar(YScalar s) => s.Plain || (SafePlain().IsMatch(s.Value) && !Reserved(s.Value) && !LooksNumeric(s.Value)) ? s.Value : Quote(s.Value);

    private static bool Reserved(string v) => v.ToLowerInvariant() is "true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n" or "~";

    private static bool LooksNumeric(string v) => v.Length > 0 && (char.IsDigit(v[0]) || v[0] is '.' or '-' or '+');

    /// <summary>A YAML double-quoted scalar (JSON-compatible escapes).</summary>
    private static string Quote(string v)
    {
        var sb = new StringBuilder(v.Length + 2).Append('"');
        foreach (var c in v)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF' or '\u0085')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    // Letters, digits and a few punctuation marks that never start or mean anything special in plain YAML.
    [GeneratedRegex(@"^[A-Za-z0-9_/][A-Za-z0-9_./=@+-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SafePlain();
}
