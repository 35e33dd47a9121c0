using System.Globalization;
using System.Text.Json;
using Toolkit.Ml.Data;

namespace Toolkit.Ml.Features;

/// <summary>The resolved inputs of one Transform call: raw numeric and categorical columns plus derived values.</summary>
internal sealed class StepInputs
{
    public StepInputs(int rowCount)
    {
        RowCount = rowCount;
    }

    public int RowCount { get; }

    public Dictionary<string, NumericValues> Numeric { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, CategoricalColumn> Categorical { get; } = new(StringComparer.Ordinal);
}

/// <summary>One fitted transformation of one source column into one or more consecutive output columns.</summary>
internal abstract class FeatureStep
{
    protected FeatureStep(string source)
    {
        Source = source;
    }

    /// <summary>The input or derived column this step reads.</summary>
    public string Source { get; }

    public abstract IReadOnlyList<string> OutputNames { get; }

    /// <summary>Fills output[offset .. offset + OutputNames.Count) (zero-initialized arrays of RowCount).</summary>
    public abstract void Transform(StepInputs inputs, float[][] output, int offset);

    public abstract void Write(Utf8JsonWriter writer);

    public static FeatureStep ReadStep(JsonElement e, UnknownCategory unknown) =>
        Json.String(e, "kind") switch
        {
            NumericStep.Kind => NumericStep.Read(e),
            CategoricalStep.Kind => CategoricalStep.Read(e, unknown),
            BucketStep.Kind => BucketStep.Read(e),
            var other => throw new FormatException($"Unknown feature step kind '{other}'."),
        };
}

/// <summary>Impute, then (x - center) / scale; optionally a missing indicator.</summary>
internal sealed class NumericStep : FeatureStep
{
    public const string Kind = "numeric";

    private readonly string[] _names;

    public NumericStep(string source, double fill, double center, double scale, bool indicator)
        : base(source)
    {
        Fill = fill;
        Center = center;
        Scale = scale;
        Indicator = indicator;
        _names = indicator ? [source, source + "_missing"] : [source];
    }

    /// <summary>The value that replaces a missing one; NaN keeps it missing.</summary>
    public double Fill { get; }

    public double Center { get; }

    public double Scale { get; }

    public bool Indicator { get; }

    public override IReadOnlyList<string> OutputNames => _names;

    public static NumericStep Fit(string source, NumericValues values, FeaturePipelineOptions options)
    {
        var present = Statistics.Present(values, out var missing);

        // Row-order statistics first: the median and mode below reorder the array.
        var sum = Statistics.Sum(present);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in present)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        var fill = double.NaN;
        if (options.NumericImputation != Imputation.None)
        {
            // A column with no value at all in training: 0 is as good a guess as any and keeps outputs finite.
            fill = present.Length == 0 ? 0 : options.NumericImputation switch
            {
                Imputation.Mean => sum / present.Length,
                Imputation.Median => Statistics.Median(present),
                _ => Statistics.MostFrequent(present),
            };
        }

        // Scaling statistics are taken over the imputed training values, as a scaler placed after an
        // imputer would see them; without imputation, over the present values.
        var imputed = missing > 0 && !double.IsNaN(fill) ? missing : 0;
        var count = present.Length + imputed;
        double center = 0, scale = 1;
        if (count > 0 && options.Scaling != Scaling.None)
        {
            if (imputed > 0)
            {
                min = Math.Min(min, fill);
                max = Math.Max(max, fill);
                sum += fill * imputed;
            }

            if (min == max)
            {
                // Constant column: centre on the value itself so it maps to exactly 0, and never divide by 0.
                center = min;
            }
            else if (options.Scaling == Scaling.MinMax)
            {
                center = min;
                scale = max - min;
            }
            else
            {
                var mean = sum / count;
                var squares = imputed > 0 ? imputed * (fill - mean) * (fill - mean) : 0; // fill may be NaN when nothing is imputed
                for (var i = 0; i < values.Length; i++)
                {
                    var v = values[i];
                    if (!double.IsNaN(v))
                    {
                        squares += (v - mean) * (v - mean);
                    }
                }

                var std = Math.Sqrt(squares / count);
                center = mean;
                scale = std > 0 ? std : 1;
            }

            if (!double.IsFinite(center) || !double.IsFinite(scale))
            {
                throw new ArgumentException($"Column '{source}' has values too large to scale in double precision.");
            }
        }

        return new NumericStep(source, fill, center, scale, options.AddMissingIndicators && missing > 0);
    }

    public override void Transform(StepInputs inputs, float[][] output, int offset)
    {
        var values = inputs.Numeric[Source];
        var dst = output[offset];
        var indicator = Indicator ? output[offset + 1] : null;
        if (values.Floats is { } floats)
        {
            for (var i = 0; i < floats.Length; i++)
            {
                double v = floats[i];
                if (!double.IsFinite(v))
                {
                    v = Fill;
                    if (indicator is not null)
                    {
                        indicator[i] = 1;
                    }
                }

                dst[i] = (float)((v - Center) / Scale);
            }
        }
        else
        {
            var doubles = values.Doubles!;
            for (var i = 0; i < doubles.Length; i++)
            {
                var v = doubles[i];
                if (!double.IsFinite(v))
                {
                    v = Fill;
                    if (indicator is not null)
                    {
                        indicator[i] = 1;
                    }
                }

                dst[i] = (float)((v - Center) / Scale);
            }
        }
    }

    public override void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", Kind);
        writer.WriteString("source", Source);
        Json.WriteNumberOrNull(writer, "fill", Fill);
        writer.WriteNumber("center", Center);
        writer.WriteNumber("scale", Scale);
        writer.WriteBoolean("indicator", Indicator);
        writer.WriteEndObject();
    }

    public static NumericStep Read(JsonElement e) => new(
        Json.String(e, "source"),
        Json.NumberOrNull(e, "fill"),
        Json.Number(e, "center"),
        Json.Number(e, "scale"),
        Json.Bool(e, "indicator"));
}

/// <summary>One-hot of the training categories (mapped by text), an optional shared column for rare ones, and an optional indicator.</summary>
internal sealed class CategoricalStep : FeatureStep
{
    public const string Kind = "categorical";
    public const string OtherName = "<other>";

    private const int Unknown = -2;

    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly string[] _names;
    private readonly int _fillSlot;
    private readonly int _indicatorSlot;
    private readonly UnknownCategory _unknown;

    public CategoricalStep(
        string source, string[] kept, string[] rare, string? fill, bool indicator, UnknownCategory unknown)
        : base(source)
    {
        Kept = kept;
        Rare = rare;
        Fill = fill;
        Indicator = indicator;
        _unknown = unknown;
        var names = new List<string>();
        foreach (var c in kept)
        {
            if (!_slots.TryAdd(c, names.Count))
            {
                throw new FormatException($"Category '{c}' of column '{source}' is listed twice.");
            }

            names.Add(source + "=" + c);
        }

        if (rare.Length > 0)
        {
            foreach (var c in rare)
            {
                if (!_slots.TryAdd(c, names.Count))
                {
                    throw new FormatException($"Category '{c}' of column '{source}' is listed twice.");
                }
            }

            names.Add(source + "=" + OtherName);
        }

        _fillSlot = -1;
        if (fill is not null && !_slots.TryGetValue(fill, out _fillSlot))
        {
            throw new FormatException($"Fill category '{fill}' of column '{source}' is not a training category.");
        }

        _indicatorSlot = indicator ? names.Count : -1;
        if (indicator)
        {
            names.Add(source + "_missing");
        }

        _names = [.. names];
    }

    /// <summary>Categories with their own one-hot column, in ordinal order.</summary>
    public string[] Kept { get; }

    /// <summary>Training categories that share the <c>=&lt;other&gt;</c> column, in ordinal order.</summary>
    public string[] Rare { get; }

    public string? Fill { get; }

    public bool Indicator { get; }

    /// <summary>Every category seen in training, in ordinal order.</summary>
    public IReadOnlyList<string> Known => [.. Kept.Concat(Rare).Order(StringComparer.Ordinal)];

    public override IReadOnlyList<string> OutputNames => _names;

    public static CategoricalStep Fit(CategoricalColumn column, FeaturePipelineOptions options)
    {
        var byCode = new int[column.Categories.Count];
        var missing = 0;
        foreach (var code in column.Codes)
        {
            if (code < 0)
            {
                missing++;
            }
            else
            {
                byCode[code]++;
            }
        }

        // Count by text: categories present in the column's dictionary but absent from these rows don't count.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < byCode.Length; c++)
        {
            if (byCode[c] > 0)
            {
                counts[column.Categories[c]] = counts.GetValueOrDefault(column.Categories[c]) + byCode[c];
            }
        }

        var byFrequency = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Key).ToArray();
        var keptCount = byFrequency.Length <= options.MaxCategories ? byFrequency.Length : options.MaxCategories - 1;
        var kept = byFrequency.Take(keptCount).Order(StringComparer.Ordinal).ToArray();
        var rare = byFrequency.Skip(keptCount).Order(StringComparer.Ordinal).ToArray();
        var fill = options.CategoricalImputation == Imputation.MostFrequent && byFrequency.Length > 0 ? byFrequency[0] : null;
        return new CategoricalStep(
            column.Name, kept, rare, fill, options.AddMissingIndicators && missing > 0, options.UnknownCategory);
    }

    public override void Transform(StepInputs inputs, float[][] output, int offset)
    {
        var column = inputs.Categorical[Source];

        // New data brings its own dictionary: translate its codes to our slots by text, once per call.
        var map = new int[column.Categories.Count];
        for (var c = 0; c < map.Length; c++)
        {
            map[c] = _slots.TryGetValue(column.Categories[c], out var slot) ? slot : Unknown;
        }

        var codes = column.Codes;
        for (var i = 0; i < codes.Length; i++)
        {
            var code = codes[i];
            int slot;
            if (code < 0)
            {
                if (_indicatorSlot >= 0)
                {
                    output[offset + _indicatorSlot][i] = 1;
                }

                slot = _fillSlot;
            }
            else
            {
                slot = map[code];
                if (slot == Unknown)
                {
                    if (_unknown == UnknownCategory.Error)
                    {
                        throw new DataFormatException(
                            null,
                            null,
                            Source,
                            column.Categories[code],
                            string.Create(CultureInfo.InvariantCulture, $"category not seen in training at row {i + 1} (1-based)"));
                    }

                    continue;
                }
            }

            if (slot >= 0)
            {
                output[offset + slot][i] = 1;
            }
        }
    }

    public override void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", Kind);
        writer.WriteString("source", Source);
        Json.WriteStrings(writer, "categories", Kept);
        Json.WriteStrings(writer, "other", Rare);
        if (Fill is null)
        {
            writer.WriteNull("fill");
        }
        else
        {
            writer.WriteString("fill", Fill);
        }

        writer.WriteBoolean("indicator", Indicator);
        writer.WriteEndObject();
    }

    public static CategoricalStep Read(JsonElement e, UnknownCategory unknown) => new(
        Json.String(e, "source"),
        Json.Strings(e, "categories"),
        Json.Strings(e, "other"),
        Json.StringOrNull(e, "fill"),
        Json.Bool(e, "indicator"),
        unknown);
}

/// <summary>One-hot of the bucket a raw numeric value falls in; a boundary value goes to the upper bucket.</summary>
internal sealed class BucketStep : FeatureStep
{
    public const string Kind = "bucket";

    private readonly double[] _boundaries;
    private readonly string[] _names;

    public BucketStep(string source, double[] boundaries)
        : base(source)
    {
        if (boundaries.Length == 0)
        {
            throw new ArgumentException($"Bucketizing '{source}' needs at least one boundary.");
        }

        for (var k = 0; k < boundaries.Length; k++)
        {
            if (!double.IsFinite(boundaries[k]) || (k > 0 && !(boundaries[k] > boundaries[k - 1])))
            {
                throw new ArgumentException(
                    $"Bucket boundaries of '{source}' must be finite and strictly increasing; got [{string.Join(", ", boundaries.Select(Format))}].");
            }
        }

        _boundaries = boundaries;
        var names = new string[boundaries.Length + 1];
        names[0] = $"{source}_bucket(-inf,{Format(boundaries[0])})";
        for (var k = 1; k < boundaries.Length; k++)
        {
            names[k] = $"{source}_bucket[{Format(boundaries[k - 1])},{Format(boundaries[k])})";
        }

        names[^1] = $"{source}_bucket[{Format(boundaries[^1])},inf)";
        _names = names;
    }

    public IReadOnlyList<double> Boundaries => _boundaries;

    public override IReadOnlyList<string> OutputNames => _names;

    public override void Transform(StepInputs inputs, float[][] output, int offset)
    {
        var values = inputs.Numeric[Source];
        var b = _boundaries;
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (double.IsNaN(v))
            {
                continue;
            }

            // Number of boundaries <= v is the bucket index.
            int lo = 0, hi = b.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >> 1;
                if (b[mid] <= v)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            output[offset + lo][i] = 1;
        }
    }

    public override void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", Kind);
        writer.WriteString("source", Source);
        Json.WriteNumbers(writer, "boundaries", _boundaries);
        writer.WriteEndObject();
    }

    public static BucketStep Read(JsonElement e) => new(Json.String(e, "source"), Json.Numbers(e, "boundaries"));

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
