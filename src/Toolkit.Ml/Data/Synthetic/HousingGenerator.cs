namespace Toolkit.Ml.Data.Synthetic;

/// <summary>House sales for regression of <c>price</c> (thousands), in the spirit of the Boston housing data.</summary>
/// <remarks>
/// Generating model: a neighborhood is drawn first and sets the base price, typical distance to the center,
/// crime level, school quality, river frontage odds and building era. Then distance_to_center (km) is
/// log-normal around the neighborhood's; year_built ~ N(era, 18); age is years since the last renovation
/// (at most the building's age); rooms ~ N(4 + 0.08 distance, 1.3) in 1..10; lot_size (m²) log-normal growing
/// with distance and rooms; crime_rate (per 1000) log-normal, falling with distance; school_rating 1..10.
/// log(price) = log(base) + 0.55 log(rooms / 4) + 0.12 log(lot / 400) - 0.03 distance - 0.25 log(1 + crime)
/// + 0.05 (school - 6) (1.5 if rooms >= 4 else 0.6) + 0.12 near_river + 0.15 [year_built &lt; 1920]
/// + 0.10 exp(-age / 10) - 0.002 max(0, 2024 - year_built - 30) + N(0, 0.12).
/// About 3 % of lot_size and 2 % of school_rating values are missing.
/// </remarks>
internal static class HousingGenerator
{
    public const string Label = "price";

    private static readonly Neighborhood[] Neighborhoods =
    [
        new("Old Town", 0.12, 420, 1.5, 6, 6, 0.30, 1925),
        new("Riverside", 0.12, 480, 4, 3, 7, 0.70, 1965),
        new("Hillcrest", 0.14, 520, 7, 1.5, 8, 0.05, 1975),
        new("Lakeview", 0.10, 560, 12, 1, 8, 0.10, 1990),
        new("Industrial", 0.12, 250, 5, 10, 4, 0.25, 1955),
        new("University", 0.12, 380, 3, 5, 7, 0.10, 1960),
        new("Suburbia", 0.18, 400, 18, 1.2, 7, 0.05, 2000),
        new("Northgate", 0.10, 330, 10, 3, 5, 0.05, 1985),
    ];

    public static DataTable Generate(int rows, SyntheticRandom rng)
    {
        var rooms = new float[rows];
        var age = new float[rows];
        var distance = new float[rows];
        var crime = new float[rows];
        var lot = new float[rows];
        var school = new float[rows];
        var river = new float[rows];
        var neighborhood = new int[rows];
        var year = new float[rows];
        var price = new float[rows];
        var weights = Neighborhoods.Select(n => n.Weight).ToArray();
        for (var i = 0; i < rows; i++)
        {
            var k = rng.Choose(weights);
            var n = Neighborhoods[k];
            var dist = Math.Round(Math.Max(0.3, rng.LogNormal(Math.Log(n.Distance), 0.35)), 1);
            var built = Math.Round(SyntheticRandom.Clamp(rng.Normal(n.Era, 18), 1880, 2024));
            var renovated = Math.Round(Math.Min(2024 - built, rng.LogNormal(Math.Log(15), 0.8)));
            var r = Math.Round(SyntheticRandom.Clamp(rng.Normal(4 + (0.08 * dist), 1.3), 1, 10));
            var lotSize = Math.Round(rng.LogNormal(Math.Log(300 + (40 * dist) + (60 * r)), 0.4));
            var crimeRate = Math.Round(rng.LogNormal(Math.Log(n.Crime) - (0.03 * dist), 0.5), 2);
            var schoolRating = Math.Round(SyntheticRandom.Clamp(rng.Normal(n.School, 1.2), 1, 10));
            var nearRiver = rng.Bernoulli(n.RiverOdds) ? 1 : 0;

            var logPrice = Math.Log(n.BasePrice)
                + (0.55 * Math.Log(r / 4))
                + (0.12 * Math.Log(lotSize / 400))
                - (0.03 * dist)
                - (0.25 * Math.Log(1 + crimeRate))
                + (0.05 * (schoolRating - 6) * (r >= 4 ? 1.5 : 0.6))
                + (0.12 * nearRiver)
                + (built < 1920 ? 0.15 : 0)
                + (0.10 * Math.Exp(-renovated / 10))
                - (0.002 * Math.Max(0, 2024 - built - 30))
                + rng.Normal(0, 0.12);

            rooms[i] = (float)r;
            age[i] = (float)renovated;
            distance[i] = (float)dist;
            crime[i] = (float)crimeRate;
            lot[i] = rng.Bernoulli(0.03) ? float.NaN : (float)lotSize;
            school[i] = rng.Bernoulli(0.02) ? float.NaN : (float)schoolRating;
            river[i] = nearRiver;
            neighborhood[i] = k;
            year[i] = (float)built;
            price[i] = (float)Math.Round(Math.Exp(logPrice), 1);
        }

        return new DataTable(
        [
            new Float32Column("rooms", rooms),
            new Float32Column("age", age),
            new Float32Column("distance_to_center", distance),
            new Float32Column("crime_rate", crime),
            new Float32Column("lot_size", lot),
            new Float32Column("school_rating", school),
            new Float32Column("near_river", river),
            new CategoricalColumn("neighborhood", neighborhood, [.. Neighborhoods.Select(n => n.Name)]),
            new Float32Column("year_built", year),
            new Float32Column(Label, price),
        ], Label);
    }

    private sealed record Neighborhood(
        string Name, double Weight, double BasePrice, double Distance, double Crime, double School, double RiverOdds, double Era);
}
