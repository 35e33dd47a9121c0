using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;

namespace Toolkit.Cli.Commands;

/// <summary>Reads a CSV file the way a model expects it: column types fixed by the model's signature.</summary>
internal static class ModelInputs
{
    public static DataTable Read(Model model, string path, bool withLabel, CancellationToken cancellationToken)
    {
        // The signature fixes the types, so "12" in a categorical column stays text and a stray word in
        // a numeric column is an error with its line, not a silent change of type.
        var types = model.Signature.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var table = CsvReader.Read(path, new CsvReadOptions
        {
            Label = withLabel ? model.Label : null,
            ColumnTypes = types,
            LabelValues = withLabel ? model.Classes : null,
        }, cancellationToken);

        // As scikit-learn refuses an array with 0 samples: a header alone is a file that lost its rows.
        return table.RowCount > 0 ? table : throw new DataFormatException(path, null, null, null, "the file has a header but no data rows");
    }
}
