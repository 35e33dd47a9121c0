using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Pipelines.Components;
using Toolkit.Sdk;

namespace Diabetes.Features;

/// <summary>
/// <c>diabetes/clinical-features</c>: what a clinician reads off a patient record before any model does.
/// Adds three columns and keeps the raw ones:
/// <list type="bullet">
/// <item><c>bmi_category</c>: the WHO adult BMI classes (underweight &lt; 18.5 ≤ normal &lt; 25 ≤ overweight &lt; 30 ≤ obese;
/// with <c>obesity_classes</c>, obese splits at 35 and 40 into obese_1, obese_2, obese_3); a missing or impossible BMI is <c>unknown</c>.</item>
/// <item><c>glucose_x_hba1c</c>: fasting glucose (mg/dL) times HbA1c (%): both high together is the signal, more than either
/// alone. A missing value is filled with the training rows' median of that column (the fitted state).</item>
/// <item><c>age_band</c>: under_35, 35_44, 45_54, 55_64, 65_plus (screening starts at 35); missing or negative: <c>unknown</c>.</item>
/// </list>
/// </summary>
public sealed class ClinicalFeatures : FeatureTransform
{
    public const string BmiCategory = "bmi_category";
    public const string GlucoseHba1c = "glucose_x_hba1c";
    public const string AgeBand = "age_band";

    public override string Name => "diabetes/clinical-features";

    public override string Version => "1";

    public override string Description =>
        "WHO BMI category, glucose x HbA1c interaction (train-median imputed), age bands.";

    public override IReadOnlyList<string> Inputs { get; } = ["age", "bmi", "glucose", "hba1c"];

    public override IReadOnlyList<ComponentParameter> Parameters { get; } =
    [
        new ComponentParameter("obesity_classes", ParameterType.Boolean, "split obese into WHO classes I, II and III") { Default = "false" },
    ];

    public override FittedTransform Fit(DataTable train, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(parameters);
        var obesityClasses = parameters.TryGetValue("obesity_classes", out var text)
            && bool.Parse(text);
        return new Fitted(
            Median(ClinicalColumns.Numbers(train, "glucose", Name)),
            Median(ClinicalColumns.Numbers(train, "hba1c", Name)),
            obesityClasses);
    }

    public override FittedTransform Read(JsonElement state) =>
        new Fitted(
            NumberOrNaN(state, "glucose_median"),
            NumberOrNaN(state, "hba1c_median"),
            state.GetProperty("obesity_classes").GetBoolean());

    /// <summary>The median of the finite values (mean of the middle two); NaN when there is none.</summary>
    internal static double Median(double[] values)
    {
        var present = values.Where(double.IsFinite).Order().ToArray();
        if (present.Length == 0)
        {
            return double.NaN;
        }

        var mid = present.Length / 2;
        return present.Length % 2 == 1 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
    }

    private static double NumberOrNaN(JsonElement state, string name)
    {
        var p = state.GetProperty(name);
        return p.ValueKind == JsonValueKind.Null ? double.NaN : p.GetDouble();
    }

    internal sealed class Fitted(double glucoseMedian, double hba1cMedian, bool obesityClasses) : FittedTransform
    {
        internal static readonly string[] BmiClasses = ["underweight", "normal", "overweight", "obese", "unknown"];
        internal static readonly string[] BmiObesityClasses = ["underweight", "normal", "overweight", "obese_1", "obese_2", "obese_3", "unknown"];
        internal static readonly string[] AgeBands = ["under_35", "35_44", "45_54", "55_64", "65_plus", "unknown"];

        public double GlucoseMedian => glucoseMedian;

        public double Hba1cMedian => hba1cMedian;

        public bool ObesityClasses => obesityClasses;

        public override DataTable Transform(DataTable rows)
        {
            ArgumentNullException.ThrowIfNull(rows);
            const string name = "diabetes/clinical-features";
            var age = ClinicalColumns.Numbers(rows, "age", name);
            var bmi = ClinicalColumns.Numbers(rows, "bmi", name);
            var glucose = ClinicalColumns.Numbers(rows, "glucose", name);
            var hba1c = ClinicalColumns.Numbers(rows, "hba1c", name);
            var n = rows.RowCount;
            var bmiCodes = new int[n];
            var ageCodes = new int[n];
            var product = new float[n];
            for (var i = 0; i < n; i++)
            {
                bmiCodes[i] = BmiCode(bmi[i]);
                ageCodes[i] = AgeCode(age[i]);
                var g = double.IsFinite(glucose[i]) ? glucose[i] : glucoseMedian;
                var h = double.IsFinite(hba1c[i]) ? hba1c[i] : hba1cMedian;
                product[i] = (float)(g * h);
            }

            return rows
                .With(new CategoricalColumn(BmiCategory, bmiCodes, obesityClasses ? BmiObesityClasses : BmiClasses))
                .With(new Float32Column(GlucoseHba1c, product))
                .With(new CategoricalColumn(AgeBand, ageCodes, AgeBands));
        }

        public override void Write(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartObject();
            WriteNumberOrNull(writer, "glucose_median", glucoseMedian);
            WriteNumberOrNull(writer, "hba1c_median", hba1cMedian);
            writer.WriteBoolean("obesity_classes", obesityClasses);
            writer.WriteEndObject();
        }

        /// <summary>WHO adult classes; the last class is unknown (missing, zero or negative BMI).</summary>
        internal int BmiCode(double bmi)
        {
            var classes = obesityClasses ? BmiObesityClasses : BmiClasses;
            if (!double.IsFinite(bmi) || bmi <= 0)
            {
                return classes.Length - 1;
            }

            return bmi switch
            {
                < 18.5 => 0,
                < 25 => 1,
                < 30 => 2,
                _ when !obesityClasses => 3,
                < 35 => 3,
                < 40 => 4,
                _ => 5,
            };
        }

        internal static int AgeCode(double age) => !double.IsFinite(age) || age < 0 ? AgeBands.Length - 1 : age switch
        {
            < 35 => 0,
            < 45 => 1,
            < 55 => 2,
            < 65 => 3,
            _ => 4,
        };

        private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double value)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumber(name, value);
            }
            else
            {
                writer.WriteNull(name);
            }
        }
    }
}

/// <summary>Reads a raw input column as numbers, whatever numeric type the loader chose.</summary>
internal static class ClinicalColumns
{
    public static double[] Numbers(DataTable rows, string column, string transform)
    {
        if (!rows.Contains(column))
        {
            throw new DataFormatException(null, null, column, null, $"{transform} needs this column; it is missing");
        }

        var c = rows[column];

        // A column with no value at all may come typed as text (a request whose field is always null): all missing.
        if (c is CategoricalColumn text && text.CountMissing() != text.Length)
        {
            throw new DataFormatException(null, null, column, null, $"{transform} needs numbers here; the column holds text");
        }

        var values = new double[c.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = c is CategoricalColumn ? double.NaN : c.GetDouble(i);
        }

        return values;
    }
}
