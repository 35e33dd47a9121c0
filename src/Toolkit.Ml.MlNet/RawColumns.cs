using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Toolkit.Ml.Data;

namespace Toolkit.Ml.MlNet;

/// <summary>
/// Our raw columns in the scalar types an imported ML.NET model's input schema names (Single, Double,
/// Int32, Boolean, Text), and the signature type each of those is read as from a CSV.
/// </summary>
internal static class RawColumns
{
    /// <summary>The signature type an ML.NET input column is read as, or null when it is no scalar we can give.</summary>
    public static ColumnType? SignatureType(DataViewType type) => type switch
    {
        _ when type == NumberDataViewType.Single => ColumnType.Float32,
        _ when type == NumberDataViewType.Double || type == NumberDataViewType.Int32 => ColumnType.Float64,
        BooleanDataViewType or TextDataViewType => ColumnType.Categorical,
        _ => null,
    };

    public static ViewColumn Convert(Column column, DataViewSchema.Column input)
    {
        var n = column.Length;
        var type = input.Type;
        if (type == NumberDataViewType.Single || type == NumberDataViewType.Double || type == NumberDataViewType.Int32)
        {
            if (column is CategoricalColumn)
            {
                throw new DataFormatException(null, null, column.Name, null, $"the column holds text, but the model reads it as {type}");
            }

            if (type == NumberDataViewType.Single)
            {
                var values = new float[n];
                for (var i = 0; i < n; i++)
                {
                    values[i] = (float)column.GetDouble(i);
                }

                return ViewColumn.Single(input.Name, values);
            }

            if (type == NumberDataViewType.Double)
            {
                var values = new double[n];
                for (var i = 0; i < n; i++)
                {
                    values[i] = column.GetDouble(i);
                }

                return ViewColumn.Double(input.Name, values);
            }

            var ints = new int[n];
            for (var i = 0; i < n; i++)
            {
                var v = column.GetDouble(i);
                ints[i] = v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue
                    ? (int)v
                    : throw new DataFormatException(null, null, column.Name, Text(column, i),
                        $"the model reads this column as Int32, but data row {i + 1} holds no integer");
            }

            return ViewColumn.Int32(input.Name, ints);
        }

        if (type is BooleanDataViewType)
        {
            var values = new bool[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = column.IsMissing(i)
                    ? throw new DataFormatException(null, null, column.Name, null, $"the value is missing in data row {i + 1} (the model reads a Boolean)")
                    : column is CategoricalColumn cat
                        ? ParseBoolean(cat[i]!) ?? throw new DataFormatException(null, null, column.Name, cat[i],
                            $"data row {i + 1} holds no Boolean (true, false, 1 or 0)")
                        : column.GetDouble(i) != 0;
            }

            return ViewColumn.Boolean(input.Name, values);
        }

        if (type is TextDataViewType)
        {
            var values = new ReadOnlyMemory<char>[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = column.IsMissing(i) ? ReadOnlyMemory<char>.Empty : Text(column, i).AsMemory();
            }

            return ViewColumn.Text(input.Name, values);
        }

        throw new DataFormatException(null, null, column.Name, null, $"the model's input type {type} is not one this toolkit gives");
    }

    /// <summary>The named columns, in order, as the slots of the model's numeric vector input.</summary>
    public static ViewColumn Vector(DataTable data, IReadOnlyList<string> names, DataViewSchema.Column input)
    {
        var item = ((VectorDataViewType)input.Type).ItemType;
        var source = new Column[names.Count];
        for (var j = 0; j < names.Count; j++)
        {
            source[j] = data.Contains(names[j])
                ? data[names[j]]
                : throw new DataFormatException(null, null, names[j], null, $"the column does not exist; the model needs it (slot {j} of its vector input '{input.Name}'); columns are: {ColumnNames.List(data)}");
            if (source[j] is CategoricalColumn)
            {
                throw new DataFormatException(null, null, names[j], null, $"the column holds text, but it fills slot {j} of the model's numeric vector input '{input.Name}'");
            }
        }

        if (item == NumberDataViewType.Single)
        {
            return ViewColumn.SingleVector(input.Name, [.. source.Select(c => Enumerable.Range(0, c.Length).Select(i => (float)c.GetDouble(i)).ToArray())]);
        }

        return ViewColumn.DoubleVector(input.Name, [.. source.Select(c => Enumerable.Range(0, c.Length).Select(c.GetDouble).ToArray())]);
    }

    /// <summary>A column of default values, for a model input the scored table does not have (the label).</summary>
    public static ViewColumn Default(DataViewSchema.Column input, int rows)
    {
        var type = input.Type;
        return type == NumberDataViewType.Single ? ViewColumn.Single(input.Name, new float[rows])
            : type == NumberDataViewType.Double ? ViewColumn.Double(input.Name, new double[rows])
            : type == NumberDataViewType.Int32 ? ViewColumn.Int32(input.Name, new int[rows])
            : type is BooleanDataViewType ? ViewColumn.Boolean(input.Name, new bool[rows])
            : type is TextDataViewType ? ViewColumn.Text(input.Name, new ReadOnlyMemory<char>[rows])
            : throw new DataFormatException(null, null, input.Name, null, $"the model's input type {type} is not one this toolkit gives");
    }

    private static bool? ParseBoolean(string text) => text.Trim().ToUpperInvariant() switch
    {
        "TRUE" or "1" => true,
        "FALSE" or "0" => false,
        _ => null,
    };

    private static string Text(Column column, int row) => column is CategoricalColumn cat
        ? cat[row] ?? ""
        : column.GetDouble(row).ToString("R", CultureInfo.InvariantCulture);
}
