namespace Toolkit.Ml.Data.Synthetic;

/// <summary>
/// Deterministic synthetic data sets for demos and tests: the same generator, row count and seed always give
/// the same table. Each generator documents its generating model (see <see cref="Describe"/>).
/// </summary>
public static class SyntheticData
{
    public static IReadOnlyList<string> Generators { get; } = ["diabetes", "housing", "sales"];

    /// <summary>Generators that take a drift (a shifted population with the same schema).</summary>
    public static IReadOnlyList<string> DriftGenerators { get; } = ["diabetes"];

    public static DataTable Generate(string generator, int rows, int seed) => Generate(generator, rows, seed, 0);

    /// <summary>
    /// As <see cref="Generate(string, int, int)"/>, with the population shifted by <paramref name="drift"/> in [0, 1]
    /// (0: the same data); only the generators in <see cref="DriftGenerators"/> take a non-zero drift.
    /// </summary>
    public static DataTable Generate(string generator, int rows, int seed, double drift)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (!(drift >= 0 && drift <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(drift), drift, "Drift must be between 0 and 1.");
        }

        if (drift != 0 && !DriftGenerators.Contains(Check(generator), StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"Generator '{generator}' takes no drift; generators with drift: {string.Join(", ", DriftGenerators)}.", nameof(drift));
        }

        var rng = new SyntheticRandom(seed);
        return Check(generator) switch
        {
            "diabetes" => DiabetesGenerator.Generate(rows, rng, drift),
            "housing" => HousingGenerator.Generate(rows, rng),
            _ => SalesGenerator.Generate(rows, rng),
        };
    }

    public static string LabelOf(string generator) => Check(generator) switch
    {
        "diabetes" => DiabetesGenerator.Label,
        "housing" => HousingGenerator.Label,
        _ => SalesGenerator.Label,
    };

    /// <summary>One paragraph on what the data represents and how it is generated.</summary>
    public static string Describe(string generator) => Check(generator) switch
    {
        "diabetes" =>
            "Binary classification: adult patient records (age, sex, bmi, glucose, hba1c, systolic_bp, diastolic_bp, "
            + "cholesterol, smoking, family_history, physical_activity) and label 'diabetes' (0/1, prevalence about 15%). "
            + "Glucose and HbA1c reflect a hidden insulin resistance driven by BMI, age, family history and activity; "
            + "risk is logistic in that resistance plus age and BMI thresholds. About 5% of bmi, glucose, hba1c and "
            + "cholesterol values and 2% of smoking values are missing.",
        "housing" =>
            "Regression: house sales (rooms, age, distance_to_center, crime_rate, lot_size, school_rating, near_river, "
            + "neighborhood, year_built) and target 'price' in thousands. Price has diminishing returns in rooms and "
            + "lot size, decays with distance and crime, rewards schools more in family-sized homes, carries river and "
            + "neighborhood premiums and a premium for historic houses, with multiplicative noise. About 3% of "
            + "lot_size and 2% of school_rating values are missing.",
        _ =>
            "Regression with a time flavour: daily unit sales per store (store, day_of_week, promo, temperature, price) "
            + "and target 'units'. Units follow a Poisson law around a store level times weekday, promotion, price "
            + "elasticity and a temperature bump around 22 C; temperature follows the seasons over the days.",
    };

    private static string Check(string generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!Generators.Contains(generator, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"Unknown synthetic data generator '{generator}'; valid names are: {string.Join(", ", Generators)}.",
                nameof(generator));
        }

        return generator;
    }
}
