using Toolkit.Ml.Data;

namespace Toolkit.Ml.Models;

/// <summary>
/// The held-out columns that fill a model's one feature tensor or vector input, checked the same way for every
/// flavor that has one (ONNX [N, F] graphs, ML.NET vector inputs): each named once, none the label, all in the file.
/// </summary>
internal static class FeatureColumns
{
    /// <param name="columns">The columns, in the order they fill the positions.</param>
    /// <param name="source">Where the list came from (<c>--features</c>, the model's metadata); null: the file's own columns.</param>
    /// <param name="label">The held-out file's label column.</param>
    /// <param name="fileColumns">The held-out file's columns.</param>
    /// <param name="path">The held-out file, named in the error.</param>
    /// <param name="target">What the columns fill, for the error (<c>the feature tensor 'float_input'</c>).</param>
    /// <param name="model">The model file, for the error.</param>
    public static void Check(IReadOnlyList<string> columns, string? source, string label, IReadOnlyList<string> fileColumns, string path, string target, string model)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in columns)
        {
            if (!seen.Add(f))
            {
                throw new DataFormatException(path, null, f, null, $"{source ?? "the feature list"} names this column twice; each position of {target} takes its own column");
            }

            if (f == label)
            {
                throw new DataFormatException(path, null, f, null, $"{source ?? "the feature list"} names the label as a feature");
            }

            if (!fileColumns.Contains(f, StringComparer.Ordinal))
            {
                throw new DataFormatException(path, 1, f, null, $"{source} names this column as a feature of '{model}', but the file has none; columns are: {ColumnNames.List(fileColumns)}");
            }
        }
    }
}
