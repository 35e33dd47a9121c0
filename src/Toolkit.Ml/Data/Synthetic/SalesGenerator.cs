using System.Globalization;

namespace Toolkit.Ml.Data.Synthetic;

/// <summary>Daily unit sales per store for regression of <c>units</c>, with weekly and seasonal patterns.</summary>
/// <remarks>
/// Generating model: ten stores S01..S10, each with a sales level ~ logN(log 60, 0.4) and a list price
/// ~ U(8, 12). Row i is day i / 10 of store i % 10 (days start on a Monday). temperature =
/// 14 + 10 sin(2 pi (day - 100) / 365) + N(0, 3); promo ~ Bernoulli(0.15, 0.25 from Friday); price = list
/// price x (0.85 on promo) x (1 + N(0, 0.04)). units ~ Poisson(level x weekday factor (Mon..Sun 0.9, 0.85,
/// 0.9, 1.0, 1.2, 1.45, 1.1) x 1.35 on promo x (price / list)^-1.8 x (1 + 0.25 exp(-((temperature - 22) / 6)^2)))
/// . There is no trend, so any number of days stays learnable from the columns.
/// </remarks>
internal static class SalesGenerator
{
    public const string Label = "units";

    private const int Stores = 10;
    private static readonly string[] Days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    private static readonly double[] DayFactor = [0.9, 0.85, 0.9, 1.0, 1.2, 1.45, 1.1];

    public static DataTable Generate(int rows, SyntheticRandom rng)
    {
        var level = new double[Stores];
        var listPrice = new double[Stores];
        for (var s = 0; s < Stores; s++)
        {
            level[s] = rng.LogNormal(Math.Log(60), 0.4);
            listPrice[s] = Math.Round(rng.Uniform(8, 12), 2);
        }

        var store = new int[rows];
        var weekday = new int[rows];
        var promo = new float[rows];
        var temperature = new float[rows];
        var price = new float[rows];
        var units = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            var day = i / Stores;
            var s = i % Stores;
            var dow = day % 7;
            var temp = Math.Round(14 + (10 * Math.Sin(2 * Math.PI * (day - 100) / 365.0)) + rng.Normal(0, 3), 1);
            var onPromo = rng.Bernoulli(dow >= 4 ? 0.25 : 0.15);
            var p = Math.Round(listPrice[s] * (onPromo ? 0.85 : 1) * (1 + rng.Normal(0, 0.04)), 2);
            var mean = level[s] * DayFactor[dow] * (onPromo ? 1.35 : 1)
                * Math.Pow(p / listPrice[s], -1.8)
                * (1 + (0.25 * Math.Exp(-Math.Pow((temp - 22) / 6, 2))));

            store[i] = s;
            weekday[i] = dow;
            promo[i] = onPromo ? 1 : 0;
            temperature[i] = (float)temp;
            price[i] = (float)p;
            units[i] = rng.Poisson(mean);
        }

        return new DataTable(
        [
            new CategoricalColumn("store", store, [.. Enumerable.Range(1, Stores).Select(k => string.Create(CultureInfo.InvariantCulture, $"S{k:00}"))]),
            new CategoricalColumn("day_of_week", weekday, Days),
            new Float32Column("promo", promo),
            new Float32Column("temperature", temperature),
            new Float32Column("price", price),
            new Float32Column(Label, units),
        ], Label);
    }
}
