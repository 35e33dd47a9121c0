using Microsoft.ML;
using Microsoft.ML.Data;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.MlNet;

/// <summary>
/// One column of a <see cref="ColumnsDataView"/>: a name, an ML.NET type and a getter that reads the
/// cursor's current row straight from our arrays (no per-row objects).
/// </summary>
internal abstract class ViewColumn(string name, DataViewType type)
{
    public string Name { get; } = name;

    public DataViewType Type { get; } = type;

    public abstract Delegate Getter(ColumnsDataView.Cursor cursor);

    /// <summary>The feature matrix as ML.NET's one "Features" vector column.</summary>
    public static ViewColumn Features(string name, FeatureMatrix x) => new Vector<float>(name, NumberDataViewType.Single, x.Columns);

    /// <summary>A vector column of known size, slot j of row i being <c>columns[j][i]</c>.</summary>
    public static ViewColumn SingleVector(string name, float[][] columns) => new Vector<float>(name, NumberDataViewType.Single, columns);

    /// <inheritdoc cref="SingleVector"/>
    public static ViewColumn DoubleVector(string name, double[][] columns) => new Vector<double>(name, NumberDataViewType.Double, columns);

    public static ViewColumn Single(string name, float[] values) => new Scalar<float>(name, NumberDataViewType.Single, values);

    public static ViewColumn Double(string name, double[] values) => new Scalar<double>(name, NumberDataViewType.Double, values);

    public static ViewColumn Int32(string name, int[] values) => new Scalar<int>(name, NumberDataViewType.Int32, values);

    public static ViewColumn Boolean(string name, bool[] values) => new Scalar<bool>(name, BooleanDataViewType.Instance, values);

    public static ViewColumn Text(string name, ReadOnlyMemory<char>[] values) => new Scalar<ReadOnlyMemory<char>>(name, TextDataViewType.Instance, values);

    private sealed class Scalar<T>(string name, DataViewType type, T[] values) : ViewColumn(name, type)
    {
        public override Delegate Getter(ColumnsDataView.Cursor cursor) =>
            (ValueGetter<T>)((ref T value) => value = values[cursor.Row]);
    }

    private sealed class Vector<T>(string name, PrimitiveDataViewType item, T[][] columns)
        : ViewColumn(name, new VectorDataViewType(item, columns.Length))
    {
        public override Delegate Getter(ColumnsDataView.Cursor cursor) =>
            (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) =>
            {
                var editor = VBufferEditor.Create(ref value, columns.Length);
                var row = cursor.Row;
                for (var j = 0; j < columns.Length; j++)
                {
                    editor.Values[j] = columns[j][row];
                }

                value = editor.Commit();
            });
    }
}

/// <summary>
/// Our columns as an ML.NET <see cref="IDataView"/>: ML.NET trains on and scores our arrays in place,
/// row by row through getters, without copying the table into objects.
/// </summary>
internal sealed class ColumnsDataView : IDataView
{
    private readonly ViewColumn[] _columns;
    private readonly int _rows;

    public ColumnsDataView(int rows, IEnumerable<ViewColumn> columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        _rows = rows;
        _columns = [.. columns];
        var builder = new DataViewSchema.Builder();
        foreach (var c in _columns)
        {
            builder.AddColumn(c.Name, c.Type);
        }

        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    internal sealed class Cursor : DataViewRowCursor
    {
        private readonly ColumnsDataView _view;
        private readonly bool[] _active;
        private long _position = -1;

        public Cursor(ColumnsDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            _view = view;
            _active = new bool[view._columns.Length];
            foreach (var c in columnsNeeded)
            {
                _active[c.Index] = true;
            }
        }

        /// <summary>The current row as an array index.</summary>
        public int Row => (int)_position;

        public override long Position => _position;

        public override long Batch => 0;

        public override DataViewSchema Schema => _view.Schema;

        public override bool MoveNext()
        {
            if (_position + 1 >= _view._rows)
            {
                _position = _view._rows;
                return false;
            }

            _position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was made.");
            }

            return _view._columns[column.Index].Getter(this) as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }
    }
}
