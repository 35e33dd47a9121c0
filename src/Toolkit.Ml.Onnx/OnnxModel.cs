using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Onnx;

/// <summary>
/// An ONNX model scored by ONNX Runtime: one session per loaded model (ONNX Runtime's Run is
/// thread-safe), one [N, 1] input per signature column (or, for a graph whose one input is an [N, F]
/// feature tensor, the F signature columns packed row-major into it), the score read from <c>score</c> (our
/// exporter's output) or, for graphs written elsewhere, from an ONNX-ML classifier's probabilities
/// ([N, 2] tensor or ZipMap sequence) or a regressor's single value.
/// </summary>
public sealed class OnnxModel : IScoringModel, IFeatureTensorModel, IDisposable
{
    private readonly InferenceSession _session;
    private readonly InputColumn[] _inputs;
    private readonly ScoreOutput _output;
    private readonly bool _rowByRow;
    private readonly string _sourceName;
    private readonly FeatureTensor? _tensor;

    internal OnnxModel(InferenceSession session, OnnxModelDescription description, string? digest)
    {
        _session = session;
        _inputs = description.Inputs;
        _output = description.Output;
        _rowByRow = description.RowByRow;
        _sourceName = description.SourceName;
        _tensor = description.Tensor;
        Algorithm = description.Algorithm;
        Task = description.Task;
        Label = description.Label;
        Classes = description.Classes;
        Signature = new Schema(_inputs.Select(i => new ColumnSchema(i.Name, i.Type, ColumnRole.Feature)));
        Digest = digest;
    }

    public string Flavor => ModelFlavors.Onnx;

    public string Algorithm { get; }

    public ModelTask Task { get; }

    public string Label { get; }

    public IReadOnlyList<string>? Classes { get; }

    public Schema Signature { get; }

    public IReadOnlyDictionary<string, string> HyperParameters { get; } = new Dictionary<string, string>();

    /// <summary>Empty: an ONNX file carries no metrics (registration computes them on held-out data).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; } = new Dictionary<string, double>();

    public TrainingInfo? Training => null;

    /// <summary>The graph carries its own arithmetic for the fitted pipeline; nothing of ours runs before it.</summary>
    public Toolkit.Ml.Features.FeaturePipeline? Features => null;

    public string? Digest { get; }

    /// <summary>The graph output the score is read from.</summary>
    public string ScoreOutputName => _output.Name;

    public string? FeatureTensorName => _tensor?.Name;

    public Prediction Predict(DataTable data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var n = data.RowCount;
        var columns = new Column[_inputs.Length];
        for (var c = 0; c < _inputs.Length; c++)
        {
            columns[c] = data.Contains(_inputs[c].Name)
                ? data[_inputs[c].Name]
                : throw new DataFormatException(null, null, _inputs[c].Name, null,
                    $"the model needs this column but the data has none; columns are: {ColumnNames.List(data)}");
            CheckType(_inputs[c], columns[c], _tensor);
        }

        var scores = new double[n];
        var batch = _rowByRow ? 1 : Math.Max(n, 1);
        for (var start = 0; start < n; start += batch)
        {
            var count = Math.Min(batch, n - start);
            Run(columns, start, count, scores);
        }

        return Prediction.FromScores(scores, Task, Classes);
    }

    public double[] EncodeLabel(DataTable data) => Prediction.EncodeLabel(data, Label, Task, Classes);

    public void Dispose() => _session.Dispose();

    private void Run(Column[] columns, int start, int count, double[] scores)
    {
        var inputs = new List<NamedOnnxValue>(_inputs.Length);
        if (_tensor is not null)
        {
            inputs.Add(Pack(_tensor, columns, start, count));
        }
        else
        {
            for (var c = 0; c < _inputs.Length; c++)
            {
                inputs.Add(Tensor(_inputs[c], columns[c], start, count));
            }
        }

        IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results;
        try
        {
            results = _session.Run(inputs, [_output.Name]);
        }
        catch (OnnxRuntimeException e)
        {
            // The graph loaded but cannot run on these rows (a node's own check): the model's fault, named.
            throw new ModelFileException($"'{_sourceName}': ONNX Runtime could not score the rows: {e.Message.Split('\n', 2)[0].Trim()}", e);
        }

        using var owned = results;
        var result = results[0];
        switch (_output.Kind)
        {
            case ScoreKind.Value:
                Copy(result, 1, 0, start, count, scores);
                break;
            case ScoreKind.ProbabilityColumn:
                Copy(result, 2, 1, start, count, scores);
                break;
            case ScoreKind.ZipMap:
                ReadZipMap(result, start, count, scores);
                break;
        }
    }

    private static NamedOnnxValue Tensor(InputColumn input, Column column, int start, int count)
    {
        int[] shape = input.Rank == 1 ? [count] : [count, 1];
        switch (input.Type)
        {
            case ColumnType.Float32:
                var floats = new float[count];
                for (var i = 0; i < count; i++)
                {
                    floats[i] = (float)column.GetDouble(start + i);
                }

                return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<float>(floats, shape));
            case ColumnType.Float64:
                var doubles = new double[count];
                for (var i = 0; i < count; i++)
                {
                    doubles[i] = column.GetDouble(start + i);
                }

                return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<double>(doubles, shape));
            default:
                // Missing text is "" (as the exporter documents): the graph maps it to the fill category.
                var text = (CategoricalColumn)column;
                var strings = new string[count];
                for (var i = 0; i < count; i++)
                {
                    strings[i] = text[start + i] ?? string.Empty;
                }

                return NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<string>(strings, shape));
        }
    }

    /// <summary>Rows <paramref name="start"/>.. of the columns as one [count, F] tensor, row-major; a missing value is NaN.</summary>
    private static NamedOnnxValue Pack(FeatureTensor tensor, Column[] columns, int start, int count)
    {
        var width = columns.Length;
        int[] shape = [count, width];
        if (tensor.Type == ColumnType.Float32)
        {
            var floats = new float[count * width];
            for (var c = 0; c < width; c++)
            {
                for (var i = 0; i < count; i++)
                {
                    floats[(i * width) + c] = (float)columns[c].GetDouble(start + i);
                }
            }

            return NamedOnnxValue.CreateFromTensor(tensor.Name, new DenseTensor<float>(floats, shape));
        }

        var doubles = new double[count * width];
        for (var c = 0; c < width; c++)
        {
            for (var i = 0; i < count; i++)
            {
                doubles[(i * width) + c] = columns[c].GetDouble(start + i);
            }
        }

        return NamedOnnxValue.CreateFromTensor(tensor.Name, new DenseTensor<double>(doubles, shape));
    }

    private static void CheckType(InputColumn input, Column column, FeatureTensor? tensor)
    {
        if (tensor is not null && column is CategoricalColumn)
        {
            throw new DataFormatException(null, null, input.Name, null, $"the column holds text, but it feeds the model's numeric feature tensor '{tensor.Name}'");
        }

        if (input.Type == ColumnType.Categorical && column is not CategoricalColumn)
        {
            throw new DataFormatException(null, null, input.Name, null, "the column holds numbers but the model takes text");
        }

        if (input.Type != ColumnType.Categorical && column is CategoricalColumn)
        {
            throw new DataFormatException(null, null, input.Name, null, "the column holds text but the model takes numbers");
        }
    }

    /// <summary>Copies element <paramref name="index"/> of each row of a float or double tensor with <paramref name="width"/> values per row.</summary>
    private void Copy(DisposableNamedOnnxValue result, int width, int index, int start, int count, double[] scores)
    {
        if (result.ElementType == TensorElementType.Double)
        {
            var t = result.AsTensor<double>();
            CheckLength(t.Length, width, count);
            var i = 0;
            foreach (var v in t)
            {
                if (i % width == index)
                {
                    scores[start + (i / width)] = v;
                }

                i++;
            }
        }
        else
        {
            var t = result.AsTensor<float>();
            CheckLength(t.Length, width, count);
            var i = 0;
            foreach (var v in t)
            {
                if (i % width == index)
                {
                    scores[start + (i / width)] = v;
                }

                i++;
            }
        }
    }

    private void CheckLength(long length, int width, int count)
    {
        if (length != (long)width * count)
        {
            throw new DataFormatException(null, null, null, null, string.Create(CultureInfo.InvariantCulture,
                $"the model's output '{_output.Name}' has {length} values for {count} rows; expected {width} per row"));
        }
    }

    private void ReadZipMap(DisposableNamedOnnxValue result, int start, int count, double[] scores)
    {
        var rows = result.AsEnumerable<NamedOnnxValue>().ToList();
        if (rows.Count != count)
        {
            throw new DataFormatException(null, null, null, null, string.Create(CultureInfo.InvariantCulture,
                $"the model's output '{_output.Name}' has {rows.Count} maps for {count} rows"));
        }

        for (var i = 0; i < count; i++)
        {
            var found = _output.Int64Key is { } key
                ? rows[i].AsDictionary<long, float>().TryGetValue(key, out var p)
                : rows[i].AsDictionary<string, float>().TryGetValue(Classes![1], out p);
            scores[start + i] = found ? p : throw new DataFormatException(null, null, null, null, string.Create(CultureInfo.InvariantCulture,
                $"the model's output '{_output.Name}' has no probability for class '{Classes![1]}' in data row {start + i + 1}"));
        }
    }
}

/// <summary>One graph input: a signature column, fed as [N] or [N, 1].</summary>
internal sealed record InputColumn(string Name, ColumnType Type, int Rank);

internal enum ScoreKind
{
    /// <summary>A [N] or [N, 1] float/double tensor: the score itself.</summary>
    Value,

    /// <summary>A [N, 2] float/double tensor of class probabilities: column 1 is the positive class.</summary>
    ProbabilityColumn,

    /// <summary>A sequence of maps class → probability (ONNX-ML ZipMap).</summary>
    ZipMap,
}

/// <summary>The output the score comes from; for a ZipMap with int64 keys, the positive class's key.</summary>
internal sealed record ScoreOutput(string Name, ScoreKind Kind, long? Int64Key = null);

/// <summary>What a session and the file's metadata say the model is; <see cref="Tensor"/>: the one [N, F] input the columns are packed into, if so.</summary>
internal sealed record OnnxModelDescription(
    string Algorithm, ModelTask Task, string Label, IReadOnlyList<string>? Classes, InputColumn[] Inputs, ScoreOutput Output, bool RowByRow, string SourceName,
    FeatureTensor? Tensor = null);

/// <summary>A graph's one float or double [N, F] input (<see cref="Width"/> F, -1 when symbolic), fed by the signature's columns in order.</summary>
internal sealed record FeatureTensor(string Name, ColumnType Type, long Width);
