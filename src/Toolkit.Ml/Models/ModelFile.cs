using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Features;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Models;

/// <summary>
/// The model file (<c>.tkm</c>): one header line <c>TKM 1 sha256:&lt;hex&gt;</c>, then a UTF-8 JSON body
/// with format version, algorithm, hyperparameters, signature, fitted feature pipeline, predictor,
/// training facts and metrics. The header's checksum covers the body bytes exactly, so a changed file
/// is refused on load. The body holds nothing time- or machine-dependent: the same data and seed give
/// the same file, byte for byte.
/// <para>
/// The model's identity (<see cref="Model.Digest"/>) is the SHA-256 of the whole file, header included:
/// the digest <c>sha256sum</c>, the artifact store, lineage and the registry all compute, so one model
/// file has one digest everywhere. The header's body checksum is only the integrity check.
/// </para>
/// </summary>
public static partial class ModelFile
{
    private const string Magic = "TKM";

    public static void Save(Model model, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        SaveAtomically(path, stream => Write(model, stream), cancellationToken);
    }

    /// <summary>
    /// Writes a model file of any flavor beside the target, then renames it: a reader never sees half a model, and an
    /// error names the output the user gave, not the hidden temp (which carries the writer's pid for the sweep).
    /// </summary>
    internal static void SaveAtomically(string path, Action<Stream> write, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputPathException(full, temp, ex);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Writes the file to <paramref name="stream"/> and sets <see cref="Model.Digest"/>.</summary>
    public static void Write(Model model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        var body = WriteBody(model);
        model.Digest = WriteFramed(body, stream);
    }

    /// <summary>
    /// Writes <paramref name="body"/> (a model's JSON) under its header line and returns the file digest.
    /// Tests frame edited bodies with it: a crafted file then carries a correct digest, as an attacker's would.
    /// </summary>
    internal static string WriteFramed(ReadOnlySpan<byte> body, Stream stream)
    {
        var checksum = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Magic} {Model.FormatVersion} {checksum}\n"));
        stream.Write(header);
        stream.Write(body);
        return FileDigest(header, body);
    }

    /// <summary>The model's identity: SHA-256 of the file's bytes (header and body).</summary>
    private static string FileDigest(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(header);
        hash.AppendData(body);
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static Model Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
        {
            throw new ModelFileException($"'{path}' is a directory, not a model file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Far above any model this toolkit writes; a bound so that a huge or endless file is refused, not read into memory.</summary>
    public const int MaxFileBytes = 1024 * 1024 * 1024;

    private const int MaxHeaderBytes = 200;

    public static Model Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();

        // The header line first: what is not a model file (random bytes, /dev/zero) is refused after 201 bytes.
        var chunk = new byte[64 * 1024];
        var headerRead = ReadAtMost(stream, chunk.AsSpan(0, MaxHeaderBytes + 1));
        buffer.Write(chunk, 0, headerRead);
        var headerEnd = chunk.AsSpan(0, headerRead).IndexOf((byte)'\n');
        if (headerEnd < 0)
        {
            throw new ModelFileException($"'{sourceName}' is not a Toolkit model file (no header line).");
        }

        if (!chunk.AsSpan(0, headerEnd).StartsWith(Encoding.ASCII.GetBytes(Magic + " ")))
        {
            throw new ModelFileException($"'{sourceName}' is not a Toolkit model file (bad header).");
        }

        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxFileBytes)
            {
                throw new ModelFileException($"'{sourceName}' is larger than {MaxFileBytes / (1024 * 1024)} MiB; not a model file this toolkit wrote.");
            }

            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var newline = bytes.IndexOf((byte)'\n');
        if (newline < 0 || newline > MaxHeaderBytes)
        {
            throw new ModelFileException($"'{sourceName}' is not a Toolkit model file (no header line).");
        }

        var header = Encoding.ASCII.GetString(bytes[..newline]).Split(' ');
        if (header.Length != 3 || header[0] != Magic || !header[2].StartsWith("sha256:", StringComparison.Ordinal))
        {
            throw new ModelFileException($"'{sourceName}' is not a Toolkit model file (bad header).");
        }

        if (!int.TryParse(header[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var version) || version != Model.FormatVersion)
        {
            throw new ModelFileException(
                $"'{sourceName}' has model format version {header[1]}; this mlops reads version {Model.FormatVersion}.");
        }

        var body = bytes[(newline + 1)..];
        var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        if (actual != header[2])
        {
            throw new ModelFileException(
                $"'{sourceName}' was changed after it was written: its header says {header[2]} but its content is {actual}; refusing to load it.");
        }

        try
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            var model = ReadBody(doc.RootElement);
            ModelValidator.Validate(model, sourceName);
            model.Digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            return model;
        }
        catch (TransformUnavailableException ex)
        {
            // Never scored with other logic: the feature code this model was trained with is not loaded.
            throw new ModelFileException($"'{sourceName}': {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException
            or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            throw new ModelFileException($"'{sourceName}' has a valid digest but an unreadable body: {Unreadable(ex)}", ex);
        }
    }

    /// <summary>The reader's failure in the file's terms: the runtime's own texts ("The given key was not present") name nothing.</summary>
    private static string Unreadable(Exception ex) => ex switch
    {
        KeyNotFoundException => "a required field is missing (the body is not a model this toolkit wrote)",
        ArgumentNullException => "a required field is null (the body is not a model this toolkit wrote)",
        InvalidOperationException when ex.Message.Contains("requires an element of type", StringComparison.Ordinal)
            && TypeMismatch().Match(ex.Message) is { Success: true } m =>
            $"a field holds a JSON {m.Groups[2].Value.ToLowerInvariant()} where a {m.Groups[1].Value.ToLowerInvariant()} belongs",
        InvalidOperationException or IndexOutOfRangeException or OverflowException => "its fields do not fit together (the body is not a model this toolkit wrote)",
        _ => ex.Message,
    };

    [System.Text.RegularExpressions.GeneratedRegex("type '(\\w+)', but the target element has type '(\\w+)'")]
    private static partial System.Text.RegularExpressions.Regex TypeMismatch();

    private static int ReadAtMost(Stream stream, Span<byte> into)
    {
        var total = 0;
        int read;
        while (total < into.Length && (read = stream.Read(into[total..])) > 0)
        {
            total += read;
        }

        return total;
    }

    private static byte[] WriteBody(Model model)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteNumber("format_version", Model.FormatVersion);
            w.WriteString("algorithm", model.Algorithm);
            w.WriteString("task", model.Task.ToName());
            w.WriteString("label", model.Label);
            if (model.Classes is { } classes)
            {
                w.WriteStartArray("classes");
                foreach (var c in classes)
                {
                    w.WriteStringValue(c);
                }

                w.WriteEndArray();
            }

            w.WriteStartObject("hyperparameters");
            foreach (var (k, v) in model.HyperParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();

            // The signature is also inside the feature pipeline; it is repeated here so that other
            // tools can read a model's inputs without understanding the pipeline.
            w.WriteStartArray("signature");
            foreach (var c in model.Signature.Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("type", c.Type.ToString().ToLowerInvariant());
                w.WriteEndObject();
            }

            w.WriteEndArray();

            w.WriteStartObject("training");
            w.WriteNumber("rows", model.Training.Rows);
            w.WriteNumber("seed", model.Training.Seed);
            w.WriteString("data_digest", model.Training.DataDigest);
            w.WriteNumber("feature_count", model.Training.FeatureCount);
            w.WriteString("toolkit_version", model.Training.ToolkitVersion);
            w.WriteEndObject();

            w.WriteStartObject("metrics");
            foreach (var (k, v) in model.Metrics.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (double.IsFinite(v))
                {
                    w.WriteNumber(k, v);
                }
                else
                {
                    w.WriteNull(k);
                }
            }

            w.WriteEndObject();

            w.WritePropertyName("feature_pipeline");
            model.Features.Write(w);
            w.WritePropertyName("predictor");
            model.Predictor.Write(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static Model ReadBody(JsonElement root)
    {
        // The header names the format; the body restates it, and a resealed body that disagrees is not ours.
        if (!root.TryGetProperty("format_version", out var formatVersion) || formatVersion.ValueKind != JsonValueKind.Number
            || !formatVersion.TryGetInt32(out var declaredFormat) || declaredFormat != Model.FormatVersion)
        {
            throw new FormatException($"its 'format_version' must be {Model.FormatVersion}, the version its header names");
        }

        var algorithmName = RequiredText(root, "algorithm");
        if (!AlgorithmCatalog.Default.TryGet(algorithmName, out var algorithm))
        {
            throw new ModelFileException(
                $"The model was trained with algorithm '{algorithmName}', which this mlops does not know; known: {string.Join(", ", AlgorithmCatalog.Default.Names)}.");
        }

        var task = ModelTaskNames.Parse(RequiredText(root, "task"));
        string[]? classes = root.TryGetProperty("classes", out var cs) ? [.. cs.EnumerateArray().Select(e => e.GetString()!)] : null;
        var hp = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in root.GetProperty("hyperparameters").EnumerateObject())
        {
            hp[p.Name] = p.Value.GetString()!;
        }

        var t = root.GetProperty("training");
        var training = new TrainingInfo
        {
            Rows = t.GetProperty("rows").GetInt64(),
            Seed = t.GetProperty("seed").GetInt32(),
            DataDigest = DataDigestText(t),
            FeatureCount = t.GetProperty("feature_count").GetInt32(),
            ToolkitVersion = RequiredText(t, "toolkit_version"),
        };
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in root.GetProperty("metrics").EnumerateObject())
        {
            metrics[p.Name] = p.Value.ValueKind == JsonValueKind.Null ? double.NaN : p.Value.GetDouble();
        }

        var features = FeaturePipeline.Read(root.GetProperty("feature_pipeline"));

        // The signature is repeated for other tools; a copy that disagrees with the pipeline is not the same model.
        var signature = root.GetProperty("signature").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        if (!signature.SequenceEqual(features.InputSchema.Columns.Select(c => c.Name)))
        {
            throw new FormatException("its 'signature' lists other columns than its feature pipeline's inputs");
        }

        var predictor = algorithm.Read(root.GetProperty("predictor"), task);
        var label = RequiredText(root, "label");
        if (signature.Contains(label, StringComparer.Ordinal))
        {
            throw new FormatException($"its label '{label}' is also one of its input columns");
        }

        return new Model(algorithmName, task, label, classes, hp, features, predictor, training, metrics);
    }

    /// <summary>A string field that must be present and non-empty (a null or a number there is not a model this toolkit wrote).</summary>
    private static string RequiredText(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"its '{name}' must be a non-empty string");

    private static string DataDigestText(JsonElement training)
    {
        var digest = RequiredText(training, "data_digest");
        return digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length == 71 && digest.AsSpan(7).ContainsAnyExcept("0123456789abcdef") is false
            ? digest
            : throw new FormatException("its training 'data_digest' must be sha256: and 64 lowercase hex digits");
    }
}
