using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Yaml;

/// <summary>Where in a YAML file something is (1-based, as editors count).</summary>
internal readonly record struct YamlPosition(int Line, int Column)
{
    public static YamlPosition Of(YamlNode? node) =>
        node is null ? new(1, 1) : new((int)Math.Max(1, node.Start.Line), (int)Math.Max(1, node.Start.Column));

    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>Why a YAML text could not be read as a tree: the place and a one-line reason.</summary>
internal sealed record YamlProblem(YamlPosition Position, string Message);

/// <summary>A loaded YAML document: its root, or the problem that stopped the reading.</summary>
internal sealed record YamlLoad(YamlNode? Root, YamlProblem? Problem)
{
    /// <summary>The text holds no document at all (blank or only comments); some files then mean "all defaults".</summary>
    public bool IsEmpty { get; init; }
}

/// <summary>
/// The one way the team's YAML files (pipelines, model policies, project settings) are loaded: the
/// same syntax messages everywhere, one document per file, and bounds on nesting and on alias
/// expansion so a hostile file cannot exhaust the stack or the memory of whoever walks the tree.
/// </summary>
internal static class YamlText
{
    /// <summary>Deeper than any real spec; recursive readers below rely on this bound.</summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes reachable from the root, aliases counted each time they are used.</summary>
    public const int MaxNodes = 200_000;

    /// <summary>Far larger than any spec file; a bound so that /dev/zero or a huge file is refused, not read into memory.</summary>
    public const int MaxFileBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Reads a YAML file as text: at most <see cref="MaxFileBytes"/>, strictly UTF-8 (or UTF-16/32 with a
    /// byte-order mark, as YAML allows). A problem (too large, not text) is returned, never thrown.
    /// </summary>
    public static (string? Text, YamlProblem? Problem) ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > MaxFileBytes)
                {
                    return (null, new YamlProblem(new(1, 1), $"the file is larger than {MaxFileBytes / (1024 * 1024)} MiB; a spec file is far smaller"));
                }

                buffer.Write(chunk, 0, read);
            }

            bytes = buffer.ToArray();
        }

        var (encoding, skip) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => ((System.Text.Encoding)new System.Text.UTF8Encoding(false, true), 3),
            [0xFF, 0xFE, 0, 0, ..] => (new System.Text.UTF32Encoding(false, false, true), 4),
            [0, 0, 0xFE, 0xFF, ..] => (new System.Text.UTF32Encoding(true, false, true), 4),
            [0xFF, 0xFE, ..] => (new System.Text.UnicodeEncoding(false, false, true), 2),
            [0xFE, 0xFF, ..] => (new System.Text.UnicodeEncoding(true, false, true), 2),
            _ => (new System.Text.UTF8Encoding(false, true), 0),
        };
        try
        {
            return (encoding.GetString(bytes, skip, bytes.Length - skip), null);
        }
        catch (System.Text.DecoderFallbackException ex)
        {
            var at = skip + Math.Max(0, ex.Index);
            var before = bytes.AsSpan(0, Math.Min(at, bytes.Length));
            var line = before.Count((byte)'\n') + 1;
            var column = at - (before.LastIndexOf((byte)'\n') + 1) + 1;
            return (null, new YamlProblem(new(line, column), $"not UTF-8 text (byte 0x{bytes[Math.Min(at, bytes.Length - 1)]:X2}); save the file as UTF-8"));
        }
    }

    public static YamlLoad Load(string yaml, string what)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        if (CheckCharacters(yaml) is { } unprintable)
        {
            return new YamlLoad(null, unprintable);
        }

        var stream = new YamlStream();
        try
        {
            // Depth first, on the parser's events: building the tree is itself recursive in YamlDotNet,
            // so a file nested thousands deep must be refused before it is built.
            if (CheckDepth(yaml) is { } tooDeep)
            {
                return new YamlLoad(null, tooDeep);
            }

            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            return new YamlLoad(null, new YamlProblem(new((int)Math.Max(1, ex.Start.Line), (int)Math.Max(1, ex.Start.Column)), $"not valid YAML: {Innermost(ex).Message}"));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some malformed flow collections, without a position.
            return new YamlLoad(null, new YamlProblem(new(1, 1), "not valid YAML: an unclosed [ or { list or mapping?"));
        }

        if (stream.Documents.Count == 0)
        {
            return new YamlLoad(null, new YamlProblem(new(1, 1), $"the file is empty; {what}")) { IsEmpty = true };
        }

        if (stream.Documents.Count > 1)
        {
            return new YamlLoad(null, new YamlProblem(YamlPosition.Of(stream.Documents[1].RootNode), "a file holds one YAML document (found a second '---')"));
        }

        var root = stream.Documents[0].RootNode;
        return CheckBounds(root) is { } problem ? new YamlLoad(null, problem) : new YamlLoad(root, null);
    }

    /// <summary>The value under <paramref name="key"/>, or null.</summary>
    public static YamlNode? Get(YamlMappingNode map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        return map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }

    /// <summary>Keys of <paramref name="map"/> that are not plain names in <paramref name="known"/>, each with its did-you-mean suffix.</summary>
    public static IEnumerable<(YamlNode Node, string Key, string Suggestion)> UnknownKeys(YamlMappingNode map, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(known);
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(name))
            {
                yield return (key, name, DidYouMean.Suffix(name, known));
            }
        }
    }

    /// <summary>What kind of node this is, in the words an error message uses.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "a single value",
    };

    /// <summary>YAML's printable set (tab, line breaks and printable Unicode): a NUL or an escape character is damage, not text.</summary>
    private static YamlProblem? CheckCharacters(string yaml)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < yaml.Length; i++)
        {
            var c = yaml[i];
            if (c == '\n')
            {
                line++;
                lineStart = i + 1;
                continue;
            }

            var printable = c is '\t' or '\r' or '\u0085' or (>= ' ' and <= '~') or (>= '\u00A0' and <= '\uD7FF') or (>= '\uE000' and <= '\uFFFD')
                || (char.IsHighSurrogate(c) && i + 1 < yaml.Length && char.IsLowSurrogate(yaml[i + 1]))
                || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(yaml[i - 1]));
            if (!printable)
            {
                return new YamlProblem(new(line, i - lineStart + 1), $"not valid YAML: the control character U+{(int)c:X4} is not allowed in a YAML file");
            }
        }

        return null;
    }

    private static YamlProblem? CheckDepth(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart:
                    if (++depth > MaxDepth)
                    {
                        var at = parser.Current.Start;
                        return new YamlProblem(new((int)Math.Max(1, at.Line), (int)Math.Max(1, at.Column)), $"nested more than {MaxDepth} levels deep");
                    }

                    break;
                case YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd:
                    depth--;
                    break;
            }
        }

        return null;
    }

    private static YamlProblem? CheckBounds(YamlNode root)
    {
        // Iterative: the check itself must not be the recursion that a deep file overflows.
        var stack = new Stack<(YamlNode Node, int Depth)>();
        stack.Push((root, 1));
        var visited = 0;
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            if (++visited > MaxNodes)
            {
                return new YamlProblem(YamlPosition.Of(node), $"more than {MaxNodes:N0} values once aliases are expanded; a spec file is far smaller (aliases used as a 'billion laughs'?)");
            }

            if (depth > MaxDepth)
            {
                return new YamlProblem(YamlPosition.Of(node), $"nested more than {MaxDepth} levels deep");
            }

            // No toolkit file needs a tag; '!!python/object' and friends mean the file was made for another reader.
            if (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific)
            {
                return new YamlProblem(YamlPosition.Of(node), $"tags such as '{node.Tag.Value}' are not used in toolkit files; remove it");
            }

            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (k, v) in map.Children)
                    {
                        // Every reader takes keys as names; a list or mapping as a key is refused here, once.
                        if (k is not YamlScalarNode)
                        {
                            return new YamlProblem(YamlPosition.Of(k), $"a key must be a plain name, not {Describe(k)}");
                        }

                        stack.Push((k, depth + 1));
                        stack.Push((v, depth + 1));
                    }

                    break;
                case YamlSequenceNode seq:
                    foreach (var child in seq.Children)
                    {
                        stack.Push((child, depth + 1));
                    }

                    break;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is YamlException inner ? Innermost(inner) : ex;
}
