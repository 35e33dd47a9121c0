using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Features;

/// <summary>
/// Turns raw feature columns into the model's <see cref="FeatureMatrix"/>. Fitted on the training rows
/// only (so no statistic leaks from evaluation data), then applied unchanged at evaluation and serving,
/// and stored in the model file with <see cref="Write"/>.
/// </summary>
/// <remarks>
/// Output columns, in order: for each input column in training order, numeric <c>x</c> (+ <c>x_missing</c>)
/// or categorical <c>c=value</c>... (+ <c>c=&lt;other&gt;</c>) (+ <c>c_missing</c>); then each derived
/// feature like a numeric column; then each bucket one-hot. Only numeric and derived columns are
/// scaled; one-hot, indicator and bucket columns are 0/1. Infinite values count as missing.
/// A numeric column with no value in training is imputed with 0.
/// <para>
/// A pipeline may start with team transforms (<see cref="TeamTransform"/>): each is fitted on the training
/// rows, in order, and the built-in steps are then fitted on their result. The signature
/// (<see cref="InputSchema"/>) stays the raw columns; the JSON then has format 2 and records each transform's
/// name, version, assembly and assembly digest with its fitted state, so that a reader without that exact code
/// refuses the pipeline. Without team transforms the JSON is format 1, byte for byte as before.
/// </para>
/// </remarks>
public sealed class FeaturePipeline
{
    private const int FormatVersion = 1;

    /// <summary>The format of a pipeline that starts with team transforms (a reader that predates them refuses it).</summary>
    private const int TeamFormatVersion = 2;

    private readonly FittedTeamTransform[] _transforms;
    private readonly DerivedFeatureSpec[] _derived;
    private readonly FeatureStep[] _steps;
    private readonly int[] _offsets;
    private readonly string[] _outputNames;

    private FeaturePipeline(
        FeaturePipelineOptions options,
        Schema inputSchema,
        Schema stepSchema,
        FittedTeamTransform[] transforms,
        DerivedFeatureSpec[] derived,
        FeatureStep[] steps)
    {
        Options = options;
        InputSchema = inputSchema;
        StepSchema = stepSchema;
        _transforms = transforms;
        _derived = derived;
        _steps = steps;
        _offsets = new int[steps.Length];
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var s = 0; s < steps.Length; s++)
        {
            _offsets[s] = names.Count;
            foreach (var name in steps[s].OutputNames)
            {
                if (!seen.Add(name))
                {
                    throw new ArgumentException(
                        $"Two features would both be named '{name}'; rename a column or a derived feature.");
                }

                names.Add(name);
            }
        }

        _outputNames = [.. names];
    }

    public FeaturePipelineOptions Options { get; }

    /// <summary>The raw feature columns the pipeline expects (names, types, training categories); no label, no ignored columns.</summary>
    public Schema InputSchema { get; }

    /// <summary>The columns the built-in steps read: the team transforms' result, or <see cref="InputSchema"/> when there are none.</summary>
    public Schema StepSchema { get; }

    /// <summary>The team transforms applied, in order, before the built-in steps (empty for most pipelines).</summary>
    public IReadOnlyList<FittedTeamTransform> Transforms => _transforms;

    public IReadOnlyList<string> OutputNames => _outputNames;

    public int OutputCount => _outputNames.Length;

    /// <summary>The fitted steps, in output order (for <c>ModelValidator</c>).</summary>
    internal IReadOnlyList<FeatureStep> Steps => _steps;

    /// <summary>Learns imputation, scaling and category statistics from <paramref name="train"/>'s feature columns.</summary>
    public static FeaturePipeline Fit(DataTable train, FeaturePipelineOptions options) => Fit(train, options, []);

    /// <summary>
    /// Fits <paramref name="transforms"/> on <paramref name="train"/>'s rows, in order (each sees the features as the
    /// earlier ones left them, and the label), then the built-in steps on their result.
    /// </summary>
    public static FeaturePipeline Fit(DataTable train, FeaturePipelineOptions options, IReadOnlyList<TransformFit> transforms)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transforms);
        CheckOptions(options);
        var raw = train.Features.ToArray();
        if (raw.Length == 0)
        {
            throw new ArgumentException("The training table has no feature columns.", nameof(train));
        }

        if (train.RowCount == 0)
        {
            throw new ArgumentException("The training table has no rows.", nameof(train));
        }

        var fitted = new FittedTeamTransform[transforms.Count];
        var features = raw;
        if (transforms.Count > 0)
        {
            var current = new DataTable(raw);
            for (var t = 0; t < transforms.Count; t++)
            {
                var fit = transforms[t] ?? throw new ArgumentException("A transform to fit is null.", nameof(transforms));
                CheckTransformInputs(fit.Source, current);
                var seen = train.LabelName is { } label ? current.With(train[label]).WithLabel(label) : current;
                var state = fit.Source.Transform.Fit(seen, fit.Parameters)
                    ?? throw new InvalidOperationException($"Transform {fit.Source.Describe()} returned no fitted state.");
                fitted[t] = new FittedTeamTransform(fit.Source, state);
                current = Apply(fitted[t], current, train.LabelName);
            }

            features = [.. current.Features];
            if (features.Length == 0)
            {
                throw new ArgumentException("The team transforms left no feature columns.", nameof(transforms));
            }
        }

        var inputs = new StepInputs(train.RowCount);
        var steps = new List<FeatureStep>();
        foreach (var column in features)
        {
            if (column is CategoricalColumn categorical)
            {
                inputs.Categorical.Add(column.Name, categorical);
                steps.Add(CategoricalStep.Fit(categorical, options));
            }
            else
            {
                var values = Numeric(column);
                inputs.Numeric.Add(column.Name, values);
                steps.Add(NumericStep.Fit(column.Name, values, options));
            }
        }

        var derived = options.Derived.ToArray();
        foreach (var spec in derived)
        {
            CheckDerived(spec, inputs);
            var values = new NumericValues(ComputeDerived(spec, inputs));
            inputs.Numeric.Add(spec.Name, values);
            steps.Add(NumericStep.Fit(spec.Name, values, options));
        }

        foreach (var bucket in options.Buckets)
        {
            ArgumentNullException.ThrowIfNull(bucket);
            if (!inputs.Numeric.ContainsKey(bucket.Column))
            {
                throw new ArgumentException(
                    $"Cannot bucketize '{bucket.Column}': it is not a numeric feature column or derived feature.", nameof(options));
            }

            steps.Add(new BucketStep(bucket.Column, [.. bucket.Boundaries]));
        }

        var schema = new Schema(features.Select((c, i) => new ColumnSchema(
            c.Name,
            c.Type,
            ColumnRole.Feature,
            steps[i] is CategoricalStep cs ? cs.Known : null)));
        var signature = transforms.Count == 0 ? schema : RawSchema(raw, schema);
        return new FeaturePipeline(options, signature, schema, fitted, derived, [.. steps]);
    }

    /// <summary>
    /// The raw columns as a signature: a categorical column the steps also read keeps the categories they know;
    /// one a transform consumed lists its training categories in ordinal order.
    /// </summary>
    private static Schema RawSchema(Column[] raw, Schema steps) => new(raw.Select(c => new ColumnSchema(
        c.Name,
        c.Type,
        ColumnRole.Feature,
        c is not CategoricalColumn categorical
            ? null
            : steps.Contains(c.Name) && steps[c.Name].Categories is { } known
                ? known
                : [.. PresentCategories(categorical).Order(StringComparer.Ordinal)])));

    private static IEnumerable<string> PresentCategories(CategoricalColumn column)
    {
        var used = new bool[column.Categories.Count];
        foreach (var code in column.Codes)
        {
            if (code >= 0)
            {
                used[code] = true;
            }
        }

        return column.Categories.Where((_, i) => used[i]);
    }

    private static void CheckTransformInputs(TeamTransform source, DataTable current)
    {
        var missing = source.Transform.Inputs.Where(i => !current.Contains(i)).ToArray();
        if (missing.Length > 0)
        {
            throw new DataFormatException(
                null,
                null,
                missing[0],
                null,
                $"transform {source.Name} reads {string.Join(", ", missing)}, which the training rows' features do not have; features are: {ColumnNames.List(current)}");
        }
    }

    /// <summary>One transform on <paramref name="rows"/> (features only, as at serving), its result checked and taken as features.</summary>
    private static DataTable Apply(FittedTeamTransform transform, DataTable rows, string? label)
    {
        var output = transform.Fitted.Transform(rows)
            ?? throw new InvalidOperationException($"Transform {transform.Source.Describe()} returned no table.");
        if (output.RowCount != rows.RowCount && output.ColumnCount > 0)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"Transform {transform.Source.Describe()} returned {output.RowCount} rows for {rows.RowCount}; a transform works row by row."));
        }

        if (label is not null && output.Contains(label))
        {
            throw new ArgumentException($"Transform {transform.Source.Describe()} makes a column named like the label '{label}'.");
        }

        return new DataTable(output.Columns);
    }

    /// <summary>
    /// The raw signature columns, typed as in training (an all-missing column of the other type is accepted, see
    /// <see cref="AsCategorical"/>), then each team transform in order: what the built-in steps read.
    /// </summary>
    private DataTable ApplyTransforms(DataTable data)
    {
        var columns = new Column[InputSchema.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var expected = InputSchema[i];
            if (!data.Contains(expected.Name))
            {
                throw MissingColumn(expected.Name);
            }

            var column = data[expected.Name];
            columns[i] = expected.Type == ColumnType.Categorical
                ? AsCategorical(column)
                : column is CategoricalColumn ? new Float32Column(expected.Name, AsNumeric(column).Floats!) : column;
        }

        var table = new DataTable(columns);
        foreach (var transform in _transforms)
        {
            table = Apply(transform, table, null);
        }

        return table;
    }

    private DataFormatException MissingColumn(string name) => new(
        null,
        null,
        name,
        null,
        $"required feature column is missing; the model expects: {string.Join(", ", InputSchema.Columns.Select(c => c.Name))}");

    /// <summary>
    /// Applies the fitted pipeline. Columns are found by name (order and extra columns do not matter);
    /// categories are matched by text. Throws <see cref="DataFormatException"/> naming the column for a
    /// missing or mistyped column, or an unseen category when <see cref="UnknownCategory.Error"/> is set.
    /// </summary>
    public FeatureMatrix Transform(DataTable data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (_transforms.Length > 0)
        {
            data = ApplyTransforms(data);
        }

        var inputs = new StepInputs(data.RowCount);
        foreach (var expected in StepSchema.Columns)
        {
            if (!data.Contains(expected.Name))
            {
                throw _transforms.Length == 0
                    ? MissingColumn(expected.Name)
                    : new DataFormatException(
                        null,
                        null,
                        expected.Name,
                        null,
                        $"the team transforms ({string.Join(", ", _transforms.Select(t => t.Name))}) did not make this column, which they made in training");
            }

            var column = data[expected.Name];
            if (expected.Type == ColumnType.Categorical)
            {
                inputs.Categorical.Add(expected.Name, AsCategorical(column));
            }
            else
            {
                inputs.Numeric.Add(expected.Name, AsNumeric(column));
            }
        }

        foreach (var spec in _derived)
        {
            inputs.Numeric.Add(spec.Name, new NumericValues(ComputeDerived(spec, inputs)));
        }

        var output = new float[_outputNames.Length][];
        for (var j = 0; j < output.Length; j++)
        {
            output[j] = new float[data.RowCount];
        }

        // One thread: fast enough (memory-bound), and the first bad value reported is always the same one.
        for (var s = 0; s < _steps.Length; s++)
        {
            _steps[s].Transform(inputs, output, _offsets[s]);
        }

        return new FeatureMatrix(_outputNames, output);
    }

    /// <summary>Writes the fitted pipeline as one JSON object; the same pipeline always gives the same bytes.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("format", _transforms.Length == 0 ? FormatVersion : TeamFormatVersion);
        WriteOptions(writer, Options);
        WriteColumns(writer, "inputs", InputSchema);
        if (_transforms.Length > 0)
        {
            writer.WriteStartArray("transforms");
            foreach (var t in _transforms)
            {
                writer.WriteStartObject();
                writer.WriteString("name", t.Name);
                writer.WriteString("version", t.Version);
                writer.WriteString("assembly", t.AssemblyName);
                writer.WriteString("assembly_digest", t.AssemblyDigest);
                writer.WritePropertyName("state");
                t.Fitted.Write(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteColumns(writer, "step_inputs", StepSchema);
        }

        writer.WriteStartArray("steps");
        foreach (var step in _steps)
        {
            step.Write(writer);
        }

        writer.WriteEndArray();
        Json.WriteStrings(writer, "outputs", _outputNames);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads a pipeline written by <see cref="Write"/>; malformed JSON throws <see cref="FormatException"/>. Team
    /// transforms resolve from <see cref="TeamTransformCatalog"/>: one not loaded with the recorded version, assembly
    /// and digest throws <see cref="TransformUnavailableException"/> (a model file reports it as a ModelFileException naming the file).
    /// </summary>
    public static FeaturePipeline Read(JsonElement element)
    {
        var format = Json.Int(element, "format");
        if (format != FormatVersion && format != TeamFormatVersion)
        {
            throw new FormatException(
                string.Create(CultureInfo.InvariantCulture, $"Feature pipeline format {format} is not supported (expected {FormatVersion} or {TeamFormatVersion})."));
        }

        var options = ReadOptions(Json.Property(element, "options"));
        var inputs = ReadColumns(element, "inputs");
        FittedTeamTransform[] transforms = format == TeamFormatVersion ? ReadTransforms(element) : [];
        var stepInputs = format == TeamFormatVersion ? ReadColumns(element, "step_inputs") : inputs;
        var steps = Json.Array(element, "steps").Select(s => FeatureStep.ReadStep(s, options.UnknownCategory)).ToArray();
        FeaturePipeline pipeline;
        try
        {
            CheckSources(stepInputs, options.Derived, steps);
            pipeline = new FeaturePipeline(
                options, new Schema(inputs), format == TeamFormatVersion ? new Schema(stepInputs) : new Schema(inputs), transforms, [.. options.Derived], steps);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Feature pipeline JSON is inconsistent: {e.Message}", e);
        }

        if (!pipeline._outputNames.SequenceEqual(Json.Strings(element, "outputs")))
        {
            throw new FormatException("Feature pipeline JSON is inconsistent: its output names do not match its steps.");
        }

        return pipeline;
    }

    private static void WriteColumns(Utf8JsonWriter writer, string name, Schema schema)
    {
        writer.WriteStartArray(name);
        foreach (var c in schema.Columns)
        {
            writer.WriteStartObject();
            writer.WriteString("name", c.Name);
            writer.WriteString("type", c.Type.ToString());
            if (c.Categories is not null)
            {
                Json.WriteStrings(writer, "categories", c.Categories);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static ColumnSchema[] ReadColumns(JsonElement element, string name) =>
        [.. Json.Array(element, name).Select(c =>
        {
            var type = Json.Enum<ColumnType>(c, "type");
            return new ColumnSchema(
                Json.String(c, "name"),
                type,
                ColumnRole.Feature,
                type == ColumnType.Categorical ? Json.Strings(c, "categories") : null);
        })];

    /// <summary>Each recorded transform, resolved to the loaded code it names and rebuilt from its state.</summary>
    private static FittedTeamTransform[] ReadTransforms(JsonElement element)
    {
        var records = Json.Array(element, "transforms").ToArray();
        if (records.Length == 0)
        {
            throw new FormatException($"Feature pipeline JSON of format {TeamFormatVersion} records no transforms.");
        }

        return [.. records.Select(r =>
        {
            var source = TeamTransformCatalog.Resolve(
                Json.String(r, "name"), Json.String(r, "version"), Json.String(r, "assembly"), Json.String(r, "assembly_digest"));
            var fitted = source.Transform.Read(Json.Property(r, "state"))
                ?? throw new FormatException($"Transform {source.Describe()} read no state.");
            return new FittedTeamTransform(source, fitted);
        })];
    }

    /// <summary>Checks that every derived operand and step source of a read pipeline refers to a known column.</summary>
    private static void CheckSources(ColumnSchema[] inputs, IReadOnlyList<DerivedFeatureSpec> derived, FeatureStep[] steps)
    {
        var numeric = inputs.Where(c => c.Type != ColumnType.Categorical).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var categorical = inputs.Where(c => c.Type == ColumnType.Categorical).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var d in derived)
        {
            if (!numeric.Contains(d.Left) || (d.Right is not null && !numeric.Contains(d.Right)))
            {
                throw new ArgumentException($"derived feature '{d.Name}' uses an unknown column");
            }

            numeric.Add(d.Name);
        }

        foreach (var step in steps)
        {
            var known = step is CategoricalStep ? categorical : numeric;
            if (!known.Contains(step.Source))
            {
                throw new ArgumentException($"a step reads the unknown column '{step.Source}'");
            }
        }
    }

    /// <summary>
    /// A categorical input. A numeric column with no value at all is accepted as all-missing: a loader
    /// cannot tell the type of an empty column (e.g. a serving request where the field is always null).
    /// </summary>
    private static CategoricalColumn AsCategorical(Column column)
    {
        if (column is CategoricalColumn categorical)
        {
            return categorical;
        }

        if (column.CountMissing() == column.Length)
        {
            var codes = new int[column.Length];
            Array.Fill(codes, -1);
            return new CategoricalColumn(column.Name, codes, []);
        }

        throw new DataFormatException(
            null, null, column.Name, null, $"expected text (categorical) values but the column holds numbers ({column.Type})");
    }

    /// <summary>A numeric input; an all-missing text column is accepted as all-NaN (see <see cref="AsCategorical"/>).</summary>
    private static NumericValues AsNumeric(Column column)
    {
        if (column is not CategoricalColumn categorical)
        {
            return Numeric(column);
        }

        if (categorical.CountMissing() == categorical.Length)
        {
            var values = new float[categorical.Length];
            Array.Fill(values, float.NaN);
            return new NumericValues(values);
        }

        // Point at the first entry that is not a number: that is usually why the column was read as text.
        var codes = categorical.Codes;
        var row = -1;
        for (var i = 0; i < codes.Length && row < 0; i++)
        {
            if (codes[i] >= 0 && !double.TryParse(
                    categorical.Categories[codes[i]], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                row = i;
            }
        }

        throw new DataFormatException(
            null,
            null,
            column.Name,
            row >= 0 ? categorical[row] : null,
            row >= 0
                ? string.Create(CultureInfo.InvariantCulture, $"expected numeric values but the column holds text (first non-numeric entry at row {row + 1}, 1-based)")
                : "expected numeric values but the column holds text");
    }

    private static NumericValues Numeric(Column column) => column switch
    {
        Float32Column f => new NumericValues(f.Array),
        Float64Column d => new NumericValues(d.Array),
        _ => throw new ArgumentException($"Column '{column.Name}' is not numeric."),
    };

    private static double[] ComputeDerived(DerivedFeatureSpec spec, StepInputs inputs)
    {
        var left = inputs.Numeric[spec.Left];
        var right = spec.Right is null ? left : inputs.Numeric[spec.Right];
        return DerivedFeatures.Compute(spec, left, right);
    }

    private static void CheckOptions(FeaturePipelineOptions options)
    {
        if (!Enum.IsDefined(options.NumericImputation) || !Enum.IsDefined(options.Scaling)
            || !Enum.IsDefined(options.UnknownCategory) || !Enum.IsDefined(options.CategoricalImputation))
        {
            throw new ArgumentException("Feature pipeline options hold an undefined enum value.", nameof(options));
        }

        if (options.CategoricalImputation is Imputation.Mean or Imputation.Median)
        {
            throw new ArgumentException(
                $"Categorical imputation '{options.CategoricalImputation}' is not possible for text; use None or MostFrequent.",
                nameof(options));
        }

        if (options.MaxCategories < 1)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"MaxCategories must be at least 1; got {options.MaxCategories}."),
                nameof(options));
        }

        ArgumentNullException.ThrowIfNull(options.Buckets);
        ArgumentNullException.ThrowIfNull(options.Derived);
    }

    private static void CheckDerived(DerivedFeatureSpec spec, StepInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.Name);
        if (!Enum.IsDefined(spec.Op))
        {
            throw new ArgumentException($"Derived feature '{spec.Name}' has an undefined operation.", nameof(spec));
        }

        if (inputs.Numeric.ContainsKey(spec.Name) || inputs.Categorical.ContainsKey(spec.Name))
        {
            throw new ArgumentException($"Derived feature '{spec.Name}' has the name of an existing column or derived feature.", nameof(spec));
        }

        var binary = DerivedFeatures.IsBinary(spec.Op);
        if (binary && spec.Right is null)
        {
            throw new ArgumentException($"Derived feature '{spec.Name}' ({spec.Op}) needs a right operand.", nameof(spec));
        }

        if (!binary && spec.Right is not null)
        {
            throw new ArgumentException($"Derived feature '{spec.Name}' ({spec.Op}) takes one operand; remove '{spec.Right}'.", nameof(spec));
        }

        foreach (var operand in spec.Right is null ? [spec.Left] : new[] { spec.Left, spec.Right })
        {
            if (!inputs.Numeric.ContainsKey(operand))
            {
                var why = inputs.Categorical.ContainsKey(operand)
                    ? "it is categorical"
                    : "it is not a feature column or earlier derived feature";
                throw new ArgumentException($"Derived feature '{spec.Name}' cannot use '{operand}': {why}.", nameof(spec));
            }
        }
    }

    private static void WriteOptions(Utf8JsonWriter writer, FeaturePipelineOptions o)
    {
        writer.WriteStartObject("options");
        writer.WriteString("numericImputation", o.NumericImputation.ToString());
        writer.WriteString("categoricalImputation", o.CategoricalImputation.ToString());
        writer.WriteBoolean("addMissingIndicators", o.AddMissingIndicators);
        writer.WriteString("scaling", o.Scaling.ToString());
        writer.WriteString("unknownCategory", o.UnknownCategory.ToString());
        writer.WriteNumber("maxCategories", o.MaxCategories);
        writer.WriteStartArray("buckets");
        foreach (var b in o.Buckets)
        {
            writer.WriteStartObject();
            writer.WriteString("column", b.Column);
            Json.WriteNumbers(writer, "boundaries", b.Boundaries);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("derived");
        foreach (var d in o.Derived)
        {
            writer.WriteStartObject();
            writer.WriteString("name", d.Name);
            writer.WriteString("op", d.Op.ToString());
            writer.WriteString("left", d.Left);
            if (d.Right is null)
            {
                writer.WriteNull("right");
            }
            else
            {
                writer.WriteString("right", d.Right);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static FeaturePipelineOptions ReadOptions(JsonElement e) => new()
    {
        NumericImputation = Json.Enum<Imputation>(e, "numericImputation"),
        CategoricalImputation = Json.Enum<Imputation>(e, "categoricalImputation"),
        AddMissingIndicators = Json.Bool(e, "addMissingIndicators"),
        Scaling = Json.Enum<Scaling>(e, "scaling"),
        UnknownCategory = Json.Enum<UnknownCategory>(e, "unknownCategory"),
        MaxCategories = Json.Int(e, "maxCategories"),
        Buckets = [.. Json.Array(e, "buckets").Select(b => new BucketizeSpec(Json.String(b, "column"), Json.Numbers(b, "boundaries")))],
        Derived = [.. Json.Array(e, "derived").Select(d => new DerivedFeatureSpec(
            Json.String(d, "name"), Json.Enum<DerivedOp>(d, "op"), Json.String(d, "left"), Json.StringOrNull(d, "right")))],
    };
}
