using System.Security.Cryptography;
using System.Text;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;

namespace Toolkit.Monitoring.Triggers;

/// <summary>One column of a fingerprinted data set.</summary>
public sealed record FingerprintColumn(string Name, string Type);

/// <summary>One CSV file of a fingerprinted folder.</summary>
public sealed record FingerprintFile(string Path, string Digest, int Rows);

/// <summary>
/// A stable digest of a data set: the content digest of <see cref="DataDigest"/> (names, types, values;
/// not the bytes, so line endings, quoting or number formatting do not change it), the rows and the columns.
/// A folder's digest combines its CSV files' digests in ordinal order of their relative paths.
/// </summary>
public sealed record DataFingerprint
{
    public required string Path { get; init; }

    public required string Digest { get; init; }

    public required int Rows { get; init; }

    public required IReadOnlyList<FingerprintColumn> Columns { get; init; }

    /// <summary>The files of a folder (empty for a single file).</summary>
    public IReadOnlyList<FingerprintFile> Files { get; init; } = [];

    /// <summary>Fingerprints a CSV file, or every <c>*.csv</c> under a folder (all must have the same columns).</summary>
    /// <exception cref="DataFormatException">The path does not exist, a folder holds no CSV, a file does not parse, or the files' columns differ.</exception>
    public static DataFingerprint Of(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path))
        {
            var table = CsvReader.Read(path, ct: cancellationToken);
            return new DataFingerprint { Path = path, Digest = DataDigest.Compute(table), Rows = table.RowCount, Columns = ColumnsOf(table) };
        }

        if (!Directory.Exists(path))
        {
            throw new DataFormatException($"'{path}' is neither a file nor a folder.");
        }

        var files = Directory.EnumerateFiles(path, "*.csv", SearchOption.AllDirectories)
            .Select(f => (Full: f, Relative: System.IO.Path.GetRelativePath(path, f).Replace('\\', '/')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new DataFormatException($"the folder '{path}' holds no .csv file.");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        IReadOnlyList<FingerprintColumn>? columns = null;
        string? first = null;
        var parts = new List<FingerprintFile>(files.Count);
        long rows = 0;
        foreach (var (full, relative) in files)
        {
            var table = CsvReader.Read(full, ct: cancellationToken);
            var these = ColumnsOf(table);
            if (columns is null)
            {
                columns = these;
                first = relative;
            }
            else if (!columns.SequenceEqual(these))
            {
                throw new DataFormatException(
                    $"'{System.IO.Path.Combine(path, relative)}': columns ({Describe(these)}) differ from those of '{first}' ({Describe(columns)}); a data set's files share one schema.");
            }

            var digest = DataDigest.Compute(table);
            hash.AppendData(Encoding.UTF8.GetBytes(relative + "\0" + digest + "\n"));
            parts.Add(new FingerprintFile(relative, digest, table.RowCount));
            rows += table.RowCount;
        }

        return new DataFingerprint
        {
            Path = path,
            Digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()),
            Rows = checked((int)rows),
            Columns = columns!,
            Files = parts,
        };
    }

    private static FingerprintColumn[] ColumnsOf(DataTable table) =>
        [.. table.Columns.Select(c => new FingerprintColumn(c.Name, c.Type == ColumnType.Categorical ? "categorical" : "numeric"))];

    private static string Describe(IReadOnlyList<FingerprintColumn> columns) => string.Join(", ", columns.Select(c => $"{c.Name}:{c.Type}"));
}
