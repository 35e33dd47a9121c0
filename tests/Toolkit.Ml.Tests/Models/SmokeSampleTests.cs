using System.Globalization;
using System.Text;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Tests.Models;

public sealed class SmokeSampleTests
{
    private static readonly Model Classifier = ModelTrainer.Train(
        ModelFileTests.Classification(300, 1), new TrainRequest { Algorithm = "logistic-regression", Label = "outcome" }, new TrainContext { Seed = 1 });

    private static readonly Model Regressor = ModelTrainer.Train(
        ModelFileTests.Regression(300, 1), new TrainRequest { Algorithm = "ridge", Label = "y" }, new TrainContext { Seed = 1 });

    /// <summary>Each row of the table as its CSV line, the way 'mlops predict' input files carry it.</summary>
    private static string[] CsvLines(DataTable table)
    {
        using var buffer = new MemoryStream();
        CsvWriter.Write(table, buffer);
        return Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
    }

    private static string CsvLine(IReadOnlyList<string?> values) =>
        string.Join(',', values.Select(v => v is null ? "" : v.Contains(',', StringComparison.Ordinal) ? $"\"{v}\"" : v));

    [Fact]
    public void Take_Classifier_RowsAreHeldOutRowsWithTheModelsOwnAnswers()
    {
        var heldOut = ModelFileTests.Classification(200, 2);
        var inputs = new DataTable(heldOut.Columns.Where(c => c.Name != "outcome"));
        var expected = Classifier.Predict(heldOut);
        var lines = CsvLines(inputs).ToList();

        var sample = SmokeSample.Take(Classifier, heldOut, 25, seed: 5);

        sample.Columns.Should().Equal(Classifier.Signature.Columns.Select(c => c.Name));
        sample.Types.Should().Equal("number", "number", "string");
        sample.Rows.Should().HaveCount(25);
        var indexes = sample.Rows.Select(r => lines.IndexOf(CsvLine(r))).ToList();
        indexes.Should().NotContain(-1).And.BeInAscendingOrder().And.OnlyHaveUniqueItems();
        sample.Predictions.Should().Equal(indexes.Select(i => expected.Classes![i]));
        sample.Probabilities!.Select(BitConverter.DoubleToInt64Bits).Should().Equal(indexes.Select(i => BitConverter.DoubleToInt64Bits(expected.Scores[i])));
    }

    [Fact]
    public void Take_MissingValues_AreNullInTheSample()
    {
        // Every 17th z and every 23rd group is missing; all 200 rows are taken.
        var sample = SmokeSample.Take(Classifier, ModelFileTests.Classification(200, 2), 200, seed: 1);

        var z = sample.Columns.ToList().IndexOf("z");
        var group = sample.Columns.ToList().IndexOf("group");
        sample.Rows.Select((r, i) => (r, i)).Where(x => x.r[z] is null).Select(x => x.i).Should().Equal(Enumerable.Range(0, 200).Where(i => i % 17 == 0));
        sample.Rows.Select((r, i) => (r, i)).Where(x => x.r[group] is null).Select(x => x.i).Should().Equal(Enumerable.Range(0, 200).Where(i => i % 23 == 0));
    }

    [Fact]
    public void Take_Regression_PredictionsAreWhatPredictWrites()
    {
        var heldOut = ModelFileTests.Regression(50, 3);
        var written = CsvLines(PredictionOutput.ToTable(Regressor.Predict(heldOut)));

        var sample = SmokeSample.Take(Regressor, heldOut, 50, seed: 9);

        sample.Probabilities.Should().BeNull();
        sample.Predictions.Should().Equal(written);
    }

    [Fact]
    public void Take_SameSeed_SameSample_OtherSeed_OtherRows()
    {
        var heldOut = ModelFileTests.Classification(500, 4);

        var first = SmokeSample.Take(Classifier, heldOut, 20, seed: 3);
        var again = SmokeSample.Take(Classifier, heldOut, 20, seed: 3);
        var other = SmokeSample.Take(Classifier, heldOut, 20, seed: 4);

        again.ToJson().Should().Be(first.ToJson());
        other.Rows.Select(CsvLine).Should().NotEqual(first.Rows.Select(CsvLine));
    }

    [Fact]
    public void Take_MoreRowsThanHeldOut_TakesEveryRowInOrder()
    {
        var heldOut = ModelFileTests.Classification(30, 6);

        var sample = SmokeSample.Take(Classifier, heldOut, 100, seed: 1);

        sample.Rows.Select(CsvLine).Should().Equal(CsvLines(new DataTable(heldOut.Columns.Where(c => c.Name != "outcome"))));
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(10, 0)]
    public void Take_NoRowsAskedOrHeld_IsAnEmptySampleThatRoundTrips(int rows, int heldOutRows)
    {
        var sample = SmokeSample.Take(Classifier, ModelFileTests.Classification(heldOutRows, 1), rows, seed: 1);

        sample.Rows.Should().BeEmpty();
        sample.Predictions.Should().BeEmpty();
        sample.Probabilities.Should().BeEmpty();
        SmokeSample.Parse(sample.ToJson(), "empty").Columns.Should().Equal("x", "z", "group");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(SmokeSample.MaxRows + 1)]
    public void Take_RowsOutOfBounds_Throws(int rows)
    {
        var act = () => SmokeSample.Take(Classifier, ModelFileTests.Classification(10, 1), rows, seed: 1);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*0 to 10000 rows*");
    }

    [Fact]
    public void Take_HeldOutWithoutAnInputColumn_NamesTheColumn()
    {
        var heldOut = new DataTable(ModelFileTests.Classification(10, 1).Columns.Where(c => c.Name != "group"));

        var act = () => SmokeSample.Take(Classifier, heldOut, 5, seed: 1);

        act.Should().Throw<DataFormatException>().WithMessage("*no column 'group'*");
    }

    [Fact]
    public void ToJson_Parse_RoundTripsEveryValue()
    {
        var sample = new SmokeSample
        {
            Columns = ["a", "b, with comma"],
            Types = ["number", "string"],
            Rows = [["1.5", "x \"quoted\""], [null, "NA"], ["-0", null]],
            Predictions = ["yes", "no", ""],
            Probabilities = [0.1 + 0.2, double.NaN, 1e-300],
        };

        var parsed = SmokeSample.Parse(sample.ToJson(), "test");

        parsed.Columns.Should().Equal(sample.Columns);
        parsed.Types.Should().Equal(sample.Types);
        parsed.Rows.Should().HaveCount(3);
        for (var r = 0; r < 3; r++)
        {
            parsed.Rows[r].Should().Equal(sample.Rows[r]);
        }

        parsed.Predictions.Should().Equal(sample.Predictions);
        parsed.Probabilities!.Select(BitConverter.DoubleToInt64Bits).Should().Equal(sample.Probabilities.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void ToJson_Parse_RegressionSampleHasNoProbabilities()
    {
        var sample = SmokeSample.Take(Regressor, ModelFileTests.Regression(20, 2), 5, seed: 1);

        var parsed = SmokeSample.Parse(sample.ToJson(), "test");

        parsed.Probabilities.Should().BeNull();
        parsed.ToJson().Should().Be(sample.ToJson());
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("""{"rows":[],"predictions":[]}""", "field 'columns' is required")]
    [InlineData("""{"columns":["a"],"rows":[["1"],"2"],"predictions":["x","y"]}""", "field 'rows[1]' must be an array")]
    [InlineData("""{"columns":["a"],"rows":[["1"],[2]],"predictions":["x","y"]}""", "field 'rows[1][0]' must be a string or null")]
    [InlineData("""{"columns":["a"],"rows":[["1"],["2", "3"]],"predictions":["x","y"]}""", "field 'rows[1]': 2 values for 1 columns")]
    [InlineData("""{"columns":["a"],"rows":[["1"]],"predictions":["x","y"]}""", "field 'predictions': 2 predictions for 1 rows")]
    [InlineData("""{"columns":["a"],"rows":[["1"]],"predictions":["x"],"probabilities":["high"]}""", "field 'probabilities[0]' must be a number")]
    [InlineData("""{"columns":["a"],"types":["date"],"rows":[["1"]],"predictions":["x"]}""", "field 'types': unknown type 'date'")]
    [InlineData("""{"format":2,"columns":["a"],"rows":[],"predictions":[]}""", "field 'format' must be 1")]
    public void Parse_BadJson_NamesTheSourceAndTheField(string json, string problem)
    {
        var act = () => SmokeSample.Parse(json, "registry diabetes v3");

        act.Should().Throw<DataFormatException>().Which.Message.Should().StartWith("registry diabetes v3: ").And.Contain(problem);
    }

    [Fact]
    public void Parse_MoreThanMaxRows_IsRefused()
    {
        var rows = string.Join(',', Enumerable.Repeat("""["1"]""", SmokeSample.MaxRows + 1));
        var predictions = string.Join(',', Enumerable.Repeat("\"x\"", SmokeSample.MaxRows + 1));
        var json = string.Create(CultureInfo.InvariantCulture, $$"""{"columns":["a"],"rows":[{{rows}}],"predictions":[{{predictions}}]}""");

        var act = () => SmokeSample.Parse(json, "big.json");

        act.Should().Throw<DataFormatException>().WithMessage("big.json: field 'rows' 10001 rows; a smoke sample holds at most 10000");
    }
}
