using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.MlNet.Tests;

/// <summary>Models a team trained with plain ML.NET, adopted with <see cref="MlNetFormat.Import"/>.</summary>
public sealed class MlNetImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnet-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Import_ExternalLightGbmFromEnumerable_FindsLabelAndScoresLikeMlNet()
    {
        var (ml, model, zip) = TrainExternalDiabetes(extraColumn: false);
        var heldOut = SyntheticData.Generate("diabetes", 500, 7);
        var heldOutPath = WriteCsv(heldOut, "heldout.csv");

        var imported = MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);
        var read = (MlNetModel)MlNetFormat.Instance.Read(new MemoryStream(imported), "imported.zip");

        read.Label.Should().Be("diabetes");
        read.Task.Should().Be(ModelTask.BinaryClassification);
        read.Classes.Should().Equal("0", "1");
        read.Algorithm.Should().Be(MlNetFormat.ImportedAlgorithm);
        read.Features.Should().BeNull();
        read.Metrics.Should().BeEmpty();
        read.Signature.Columns.Select(c => (c.Name, c.Type)).Should().Equal(
            ("age", ColumnType.Float32), ("bmi", ColumnType.Float32), ("glucose", ColumnType.Float32),
            ("hba1c", ColumnType.Float32), ("smoking", ColumnType.Categorical));

        var table = CsvReader.Read(heldOutPath, new CsvReadOptions
        {
            Label = "diabetes",
            ColumnTypes = read.Signature.Columns.ToDictionary(c => c.Name, c => c.Type),
        });
        var scores = read.Predict(table).Scores;
        var engine = ml.Model.CreatePredictionEngine<Patient, ProbabilityRow>(model);
        var patients = Patient.From(table).ToList();
        for (var i = 0; i < patients.Count; i++)
        {
            scores[i].Should().Be(engine.Predict(patients[i]).Probability, "row {0}", i);
        }

        scores.Distinct().Should().HaveCountGreaterThan(50);
        read.EncodeLabel(table).Should().Equal(patients.Select(p => p.diabetes ? 1.0 : 0.0));
    }

    [Fact]
    public void Import_SameFileTwice_SameBytesWithToolkitJsonAdded()
    {
        var (_, _, zip) = TrainExternalDiabetes(extraColumn: false);
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 300, 7), "heldout.csv");
        var options = new ModelImportOptions { HeldOutPath = heldOutPath };

        var first = MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, options, CancellationToken.None);
        var second = MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, options, CancellationToken.None);
        var again = MlNetFormat.Instance.Import(first, "first.zip", options, CancellationToken.None);

        second.Should().Equal(first);
        again.Should().Equal(first, "a file that already carries toolkit.json is registered as it is");
        using var archive = new ZipArchive(new MemoryStream(first));
        archive.Entries.Select(e => e.FullName).Should().Contain("toolkit.json");
        archive.Entries.Select(e => e.LastWriteTime).Distinct().Should().ContainSingle();
        using var original = ZipFile.OpenRead(zip);
        archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal).Should()
            .Equal(original.Entries.Select(e => e.FullName).Append("toolkit.json").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Import_UnusedExtraColumn_LabelIsTheBooleanOne()
    {
        var (_, _, zip) = TrainExternalDiabetes(extraColumn: true);
        var heldOut = SyntheticData.Generate("diabetes", 300, 7);
        var heldOutPath = WriteCsv(heldOut.With(CategoricalColumn.FromValues("patient_id", [.. Enumerable.Range(0, 300).Select(i => "p" + i)])), "heldout.csv");

        var imported = MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);
        var read = MlNetFormat.Instance.ReadModel(imported, "imported.zip");

        read.Label.Should().Be("diabetes");
        read.Signature.Contains("patient_id").Should().BeTrue("an input the model was saved with stays in its signature");
    }

    [Fact]
    public void Import_TrainedOnLabelColumnNamedLabel_WithLabelOfTheHeldOutFile_ScoresLikeMlNet()
    {
        var (ml, model, zip) = TrainExternalDiabetesOnLabel();
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 400, 7), "heldout.csv");

        var imported = MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath, Label = "diabetes" }, CancellationToken.None);
        var read = MlNetFormat.Instance.ReadModel(imported, "imported.zip");

        read.Label.Should().Be("diabetes");
        read.Classes.Should().Equal("0", "1");
        read.Signature.Columns.Select(c => c.Name).Should().Equal(["age", "bmi", "glucose", "hba1c", "smoking"],
            "the model's own 'Label' input is never read when scoring, so a caller does not send it");
        var table = CsvReader.Read(heldOutPath, new CsvReadOptions { Label = "diabetes", ColumnTypes = read.Signature.Columns.ToDictionary(c => c.Name, c => c.Type) });
        var scores = read.Predict(Without(table, "diabetes")).Scores;
        var engine = ml.Model.CreatePredictionEngine<LabelledPatient, ProbabilityRow>(model);
        var patients = Patient.From(table).Select(p => new LabelledPatient(p)).ToList();
        for (var i = 0; i < patients.Count; i++)
        {
            scores[i].Should().Be(engine.Predict(patients[i]).Probability, "row {0}", i);
        }

        read.EncodeLabel(table).Should().Equal(patients.Select(p => p.Label ? 1.0 : 0.0));
    }

    [Fact]
    public void Import_TrainedOnLabelColumnNamedLabel_WithoutLabel_RefusedNamingTheFileAndAskingForLabel()
    {
        var (_, _, zip) = TrainExternalDiabetesOnLabel();
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 100, 7), "heldout.csv");

        var act = () => MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);

        var error = act.Should().Throw<DataFormatException>().Which;
        error.File.Should().Be(heldOutPath);
        error.Message.Should().Contain("'Label'").And.Contain("--label").And.Contain("diabetes");
    }

    [Fact]
    public void Import_SavedWithoutItsLabel_LabelOfTheFileRefusedNamingTheInputs()
    {
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromEnumerable(Patient.From(SyntheticData.Generate("diabetes", 500, 2)).ToList());
        var model = ml.Transforms.Concatenate("Features", "age", "bmi")
            .Append(ml.BinaryClassification.Trainers.FastTree(labelColumnName: "diabetes", numberOfTrees: 5))
            .Fit(data);
        var zip = Path.Combine(_dir, "nolabel.zip");
        var withoutLabel = ml.Transforms.DropColumns("diabetes", "glucose", "hba1c", "smoking").Fit(data).GetOutputSchema(data.Schema);
        ml.Model.Save(model, withoutLabel, zip);
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 100, 7), "heldout.csv");

        var act = () => MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath, Label = "diabetes" }, CancellationToken.None);

        act.Should().Throw<ModelFileException>().Which.Message.Should()
            .Contain("the label 'diabetes' is not an input column").And.Contain("every input is read").And.Contain("age, bmi");
    }

    [Fact]
    public void Import_PascalCaseInputsAndLabel_NamedAsTheFileDoesAndScoresLikeMlNet()
    {
        var (ml, model, zip) = TrainPascal();
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 300, 7), "heldout.csv");

        var imported = MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);
        var read = (MlNetModel)MlNetFormat.Instance.Read(new MemoryStream(imported), "imported.zip");

        read.Label.Should().Be("diabetes", "the model's label 'Diabetes' is the file's 'diabetes'");
        read.Signature.Columns.Select(c => c.Name).Should().Equal("age", "bmi", "glucose");
        using (var archive = new ZipArchive(new MemoryStream(imported)))
        {
            using var json = System.Text.Json.JsonDocument.Parse(ReadEntry(archive, "toolkit.json"));
            json.RootElement.GetProperty("inputs").EnumerateObject().Select(p => (p.Name, p.Value.GetString()))
                .Should().Equal(("age", "Age"), ("bmi", "Bmi"), ("glucose", "Glucose"));
        }

        var table = CsvReader.Read(heldOutPath, new CsvReadOptions { Label = "diabetes", ColumnTypes = read.Signature.Columns.ToDictionary(c => c.Name, c => c.Type) });
        var scores = read.Predict(table).Scores;
        var engine = ml.Model.CreatePredictionEngine<PascalPatient, ProbabilityRow>(model);
        var patients = Patient.From(table).Select(p => new PascalPatient(p)).ToList();
        for (var i = 0; i < patients.Count; i++)
        {
            scores[i].Should().Be(engine.Predict(patients[i]).Probability, "row {0}", i);
        }
    }

    [Fact]
    public void Import_InputMatchingTwoColumnsButForCase_RefusedNamingBoth()
    {
        var (_, _, zip) = TrainPascal();
        var heldOut = SyntheticData.Generate("diabetes", 100, 7);
        var heldOutPath = WriteCsv(heldOut.With(new Float64Column("AGE", [.. Enumerable.Range(0, 100).Select(i => (double)i)])), "heldout.csv");

        var act = () => MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);

        var error = act.Should().Throw<DataFormatException>().Which;
        error.File.Should().Be(heldOutPath);
        error.ColumnName.Should().Be("Age");
        error.Message.Should().Contain("no column 'Age'").And.Contain("the file has 'age'").And.Contain("AGE");
    }

    [Fact]
    public void Read_ToolkitJsonInputsFeedingOneInputTwice_Refused()
    {
        var (_, _, zip) = TrainPascal();
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 100, 7), "heldout.csv");
        var imported = MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);
        using var archive = new ZipArchive(new MemoryStream(imported));
        var entries = archive.Entries.Select(e => (e.FullName, ReadEntry(archive, e.FullName))).ToList();
        var json = System.Text.Encoding.UTF8.GetString(entries.Single(e => e.FullName == "toolkit.json").Item2)
            .Replace("\"bmi\": \"Bmi\"", "\"bmi\": \"Age\"", StringComparison.Ordinal);
        var edited = Zip([.. entries.Select(e => e.FullName == "toolkit.json" ? (e.FullName, System.Text.Encoding.UTF8.GetBytes(json)) : e)]);

        var act = () => MlNetFormat.Instance.Read(new MemoryStream(edited), "edited.zip");

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("'edited.zip'").And.Contain("feeds ML.NET input 'Age' from two columns");
    }

    [Fact]
    public void Import_ExternalFastTreeRegressionFromTextLoader_RegressionScoringLikeMlNet()
    {
        var housing = SyntheticData.Generate("housing", 2000, 1);
        var trainPath = WriteCsv(housing, "housing.csv");
        var ml = new MLContext(seed: 1);
        int Index(string name) => housing.Columns.ToList().FindIndex(c => c.Name == name);

        // Our CSV writes a missing value as an empty field; ML.NET reads it as NaN only when asked.
        var loader = ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Columns =
            [
                new TextLoader.Column("rooms", DataKind.Single, Index("rooms")),
                new TextLoader.Column("crime_rate", DataKind.Single, Index("crime_rate")),
                new TextLoader.Column("school_rating", DataKind.Single, Index("school_rating")),
                new TextLoader.Column("price", DataKind.Single, Index("price")),
            ],
            Separators = [','],
            HasHeader = true,
            MissingRealsAsNaNs = true,
        });
        var data = loader.Load(trainPath);
        var model = ml.Transforms.Concatenate("Features", "rooms", "crime_rate", "school_rating")
            .Append(ml.Regression.Trainers.FastTree(labelColumnName: "price", numberOfTrees: 30))
            .Fit(data);
        var zip = Path.Combine(_dir, "housing-model.zip");
        ml.Model.Save(model, data.Schema, zip);
        var heldOut = SyntheticData.Generate("housing", 300, 7);
        var heldOutPath = WriteCsv(heldOut, "heldout.csv");

        var read = MlNetFormat.Instance.ReadModel(
            MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None),
            "imported.zip");

        read.Task.Should().Be(ModelTask.Regression);
        read.Label.Should().Be("price");
        read.Classes.Should().BeNull();
        var expected = model.Transform(loader.Load(heldOutPath)).GetColumn<float>("Score").Select(v => (double)v).ToArray();
        read.Predict(heldOut).Scores.Should().Equal(expected);
    }

    [Fact]
    public void Import_TwoUnusedNumericInputs_AsksForLabelAndTakesIt()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 200).Select(i => new TwoTargets { x = i % 17, y = i % 17 * 2f, other = i }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Concatenate("Features", "x")
            .Append(ml.Regression.Trainers.Sdca(labelColumnName: "y"))
            .Fit(data);
        var zip = Path.Combine(_dir, "two.zip");
        ml.Model.Save(model, data.Schema, zip);
        var heldOutPath = Path.Combine(_dir, "two.csv");
        File.WriteAllLines(heldOutPath, ["x,y,other", "1,2,5", "3,6,7"]);

        var ambiguous = () => MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);
        var named = MlNetFormat.Instance.ReadModel(
            MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath, Label = "y" }, CancellationToken.None),
            "two.zip");

        ambiguous.Should().Throw<ModelFileException>().Which.Message.Should()
            .Contain("cannot tell which input column is the label").And.Contain("y, other").And.Contain("--label");
        named.Label.Should().Be("y");
        named.Signature.Columns.Select(c => c.Name).Should().Equal("x", "other");
    }

    [Fact]
    public void Import_DeclaredTaskDisagrees_RefusedNamingBoth()
    {
        var (_, _, zip) = TrainExternalDiabetes(extraColumn: false);
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 100, 7), "heldout.csv");

        var act = () => MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip,
            new ModelImportOptions { HeldOutPath = heldOutPath, Task = ModelTask.Regression }, CancellationToken.None);

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("declared regression").And.Contain("binary-classification");
    }

    [Fact]
    public void Import_VectorInputFromTextLoaderRange_SlotsFilledByTheOtherColumnsAndScoresLikeMlNet()
    {
        var (ml, model, loader, _) = TrainVectorModel(["x1", "x2", "x3", "label"]);
        var heldOutPath = WriteVectorCsv("heldout.csv", ["x1", "x2", "x3", "label"], 300, seed: 9);

        var imported = MlNetFormat.Instance.Import(File.ReadAllBytes(Path.Combine(_dir, "vector.zip")), "vector.zip", new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);
        var read = (MlNetModel)MlNetFormat.Instance.Read(new MemoryStream(imported), "imported.zip");

        read.Label.Should().Be("label", "the model's 'Label' is the file's 'label'");
        read.Signature.Columns.Select(c => (c.Name, c.Type)).Should().Equal(("x1", ColumnType.Float32), ("x2", ColumnType.Float32), ("x3", ColumnType.Float32));
        using (var archive = new ZipArchive(new MemoryStream(imported)))
        {
            using var json = System.Text.Json.JsonDocument.Parse(ReadEntry(archive, "toolkit.json"));
            var vector = json.RootElement.GetProperty("vector_input");
            vector.GetProperty("name").GetString().Should().Be("Features");
            vector.GetProperty("columns").EnumerateArray().Select(e => e.GetString()).Should().Equal("x1", "x2", "x3");
        }

        var table = CsvReader.Read(heldOutPath, new CsvReadOptions { Label = "label" });
        var scores = read.Predict(table).Scores;
        var theirs = ml.Data.CreateEnumerable<ProbabilityRow>(model.Transform(loader.Load(heldOutPath)), reuseRowObject: false).Select(r => (double)r.Probability).ToList();
        scores.Should().Equal(theirs);
        theirs.Distinct().Should().HaveCountGreaterThan(20);
    }

    [Fact]
    public void Import_VectorInputWithOtherColumnsInTheFile_AsksForFeaturesThenTakesThem()
    {
        var (ml, model, loader, zip) = TrainVectorModel(["id", "x1", "x2", "x3", "label"], start: 1);
        var heldOutPath = WriteVectorCsv("heldout.csv", ["id", "x1", "x2", "x3", "label"], 200, seed: 9);
        var bytes = File.ReadAllBytes(zip);

        var guess = () => MlNetFormat.Instance.Import(bytes, zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);
        var wrongCount = () => MlNetFormat.Instance.Import(bytes, zip, new ModelImportOptions { HeldOutPath = heldOutPath, Features = ["x1", "x2"] }, CancellationToken.None);
        var twice = () => MlNetFormat.Instance.Import(bytes, zip, new ModelImportOptions { HeldOutPath = heldOutPath, Features = ["x1", "x1", "x3"] }, CancellationToken.None);
        var absent = () => MlNetFormat.Instance.Import(bytes, zip, new ModelImportOptions { HeldOutPath = heldOutPath, Features = ["x1", "x2", "x4"] }, CancellationToken.None);

        var error = guess.Should().Throw<DataFormatException>().Which;
        error.File.Should().Be(heldOutPath);
        error.Message.Should().Contain("takes 3 values per row").And.Contain("4 columns").And.Contain("--features");
        wrongCount.Should().Throw<ModelFileException>().Which.Message.Should().Contain("--features names 2 columns");
        twice.Should().Throw<DataFormatException>().Which.Should().Match<DataFormatException>(e => e.ColumnName == "x1" && e.Message.Contains("twice"));
        absent.Should().Throw<DataFormatException>().Which.Should().Match<DataFormatException>(e => e.ColumnName == "x4" && e.Line == 1);

        var imported = MlNetFormat.Instance.Import(bytes, zip, new ModelImportOptions { HeldOutPath = heldOutPath, Features = ["x1", "x2", "x3"] }, CancellationToken.None);
        var read = MlNetFormat.Instance.ReadModel(imported, "imported.zip");
        var theirs = ml.Data.CreateEnumerable<ProbabilityRow>(model.Transform(loader.Load(heldOutPath)), reuseRowObject: false).Select(r => (double)r.Probability);
        read.Predict(CsvReader.Read(heldOutPath)).Scores.Should().Equal(theirs);
    }

    [Fact]
    public void Import_TextInAColumnFillingTheVector_RefusedNamingLineAndField()
    {
        var (_, _, _, zip) = TrainVectorModel(["x1", "x2", "x3", "label"]);
        var heldOutPath = WriteVectorCsv("heldout.csv", ["x1", "x2", "x3", "label"], 50, seed: 9);
        var lines = File.ReadAllLines(heldOutPath);
        lines[7] = "high," + lines[7][(lines[7].IndexOf(',', StringComparison.Ordinal) + 1)..];
        File.WriteAllLines(heldOutPath, lines);

        var act = () => MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);

        var error = act.Should().Throw<DataFormatException>().Which;
        error.File.Should().Be(heldOutPath);
        error.Line.Should().Be(8);
        error.ColumnName.Should().Be("x1");
        error.Field.Should().Be("high");
    }

    [Fact]
    public void Import_FeaturesForAScalarModel_RefusedSayingToLeaveThemOut()
    {
        var (_, _, zip) = TrainExternalDiabetes(extraColumn: false);
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 100, 7), "heldout.csv");

        var act = () => MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath, Features = ["age", "bmi"] }, CancellationToken.None);

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("inputs are scalar").And.Contain("leave --features out");
    }

    [Fact]
    public void Import_TwoVectorInputs_RefusedNamingBoth()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 200).Select(i => new TwoVectorRow { A = [i % 5, i % 3], B = [i % 7], Label = i % 5 > 1 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Concatenate("Features", "A", "B").Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression()).Fit(data);
        var zip = Path.Combine(_dir, "two.zip");
        ml.Model.Save(model, data.Schema, zip);
        var heldOutPath = Path.Combine(_dir, "two.csv");
        File.WriteAllLines(heldOutPath, ["a,b,c,Label", "1,2,3,true"]);

        var act = () => MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("inputs 'A' and 'B' are both vectors");
    }

    [Fact]
    public void Read_ToolkitJsonVectorOfAnotherSize_Refused()
    {
        var (_, _, _, zip) = TrainVectorModel(["x1", "x2", "x3", "label"]);
        var heldOutPath = WriteVectorCsv("heldout.csv", ["x1", "x2", "x3", "label"], 50, seed: 9);
        var imported = MlNetFormat.Instance.Import(File.ReadAllBytes(zip), zip, new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);
        using var archive = new ZipArchive(new MemoryStream(imported));
        var entries = archive.Entries.Select(e => (e.FullName, ReadEntry(archive, e.FullName))).ToList();
        var json = System.Text.Encoding.UTF8.GetString(entries.Single(e => e.FullName == "toolkit.json").Item2);
        var edited = System.Text.RegularExpressions.Regex.Replace(json, "\"columns\": \\[[^\\]]*\\]", "\"columns\": [\"x1\", \"x2\"]");
        edited.Should().NotBe(json);
        var zipped = Zip([.. entries.Select(e => e.FullName == "toolkit.json" ? (e.FullName, System.Text.Encoding.UTF8.GetBytes(edited)) : e)]);

        var act = () => MlNetFormat.Instance.Read(new MemoryStream(zipped), "edited.zip");

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("'edited.zip'").And.Contain("vector input 'Features'");
    }

    [Fact]
    public void Read_ExternalZipWithoutToolkitJson_RefusedAskingForImport()
    {
        var (_, _, zip) = TrainExternalDiabetes(extraColumn: false);

        var act = () => new ModelFormats([TkmFormat.Instance, MlNetFormat.Instance]).Load(zip);

        act.Should().Throw<ModelFileException>().Which.Message.Should()
            .Contain("without toolkit.json").And.Contain("--flavor mlnet").And.Contain(zip);
    }

    [Fact]
    public void Load_TrainedZipThroughModelFormats_IsTheMlNetFlavor()
    {
        var model = MlNetTrainerTests.Train("mlnet-lightgbm", SyntheticData.Generate("diabetes", 500, 1), "diabetes",
            parameters: new Dictionary<string, string> { ["rounds"] = "10" });
        var path = Path.Combine(_dir, "model.zip");
        model.Save(path);

        var loaded = new ModelFormats([TkmFormat.Instance, MlNetFormat.Instance]).Load(path);

        loaded.Should().BeOfType<MlNetModel>();
        loaded.Flavor.Should().Be("mlnet");
        loaded.Digest.Should().Be(model.Digest);
    }

    [Fact]
    public void Read_TruncatedZip_RefusedAsDamaged()
    {
        var model = MlNetTrainerTests.Train("mlnet-sdca", SyntheticData.Generate("diabetes", 300, 1), "diabetes");
        var truncated = model.FileBytes.AsSpan(0, model.FileBytes.Length / 2).ToArray();

        var act = () => MlNetFormat.Instance.Read(new MemoryStream(truncated), "cut.zip");

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("'cut.zip' is not a readable zip (truncated or damaged");
    }

    [Fact]
    public void Read_ZipBomb_RefusedBeforeUnpackingAll()
    {
        var bomb = Zip(("Model.key", new byte[10]), ("big.bin", new byte[8 * 1024 * 1024]));
        var format = new MlNetFormat(new ZipLimits(100, 1024 * 1024));

        var act = () => format.Read(new MemoryStream(bomb), "bomb.zip");

        bomb.Length.Should().BeLessThan(100 * 1024, "the entry compresses to almost nothing");
        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("'bomb.zip' unpacks to more than 1 MiB");
    }

    [Fact]
    public void Read_TooManyEntries_Refused()
    {
        var many = Zip([.. Enumerable.Range(0, 101).Select(i => ($"e{i}", new byte[1]))]);
        var format = new MlNetFormat(new ZipLimits(100, 1024 * 1024));

        var act = () => format.Read(new MemoryStream(many), "many.zip");

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("101 zip entries, more than the 100");
    }

    [Fact]
    public void ReadAndImport_ZipThatIsNoMlNetModel_Refused()
    {
        var other = Zip(("readme.txt", "hello"u8.ToArray()));
        var heldOutPath = WriteCsv(SyntheticData.Generate("diabetes", 10, 7), "heldout.csv");

        var read = () => MlNetFormat.Instance.Read(new MemoryStream(other), "other.zip");
        var import = () => MlNetFormat.Instance.Import(other, "other.zip", new ModelImportOptions { HeldOutPath = heldOutPath }, CancellationToken.None);

        read.Should().Throw<ModelFileException>().Which.Message.Should().Contain("'other.zip' is a zip but not an ML.NET model");
        import.Should().Throw<ModelFileException>().Which.Message.Should().Contain("'other.zip' is a zip but not an ML.NET model");
    }

    [Fact]
    public void Read_ToolkitJsonWithGarbageMlNetEntries_RefusedNamingMlNet()
    {
        var model = MlNetTrainerTests.Train("mlnet-sdca", SyntheticData.Generate("diabetes", 300, 1), "diabetes");
        using var archive = new ZipArchive(new MemoryStream(model.FileBytes));
        var json = ReadEntry(archive, "toolkit.json");
        var broken = Zip(("toolkit.json", json), ("Model.key", "not a key"u8.ToArray()), ("TransformerChain/Model.key", [1, 2, 3]));

        var act = () => MlNetFormat.Instance.Read(new MemoryStream(broken), "broken.zip");

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("'broken.zip' is not an ML.NET model ML.NET can load");
    }

    [Fact]
    public void Read_ToolkitJsonLabelInSignature_Refused()
    {
        var model = MlNetTrainerTests.Train("mlnet-sdca", SyntheticData.Generate("diabetes", 300, 1), "diabetes");
        using var archive = new ZipArchive(new MemoryStream(model.FileBytes));
        var entries = archive.Entries.Select(e => (e.FullName, ReadEntry(archive, e.FullName))).ToList();
        var json = System.Text.Encoding.UTF8.GetString(entries.Single(e => e.FullName == "toolkit.json").Item2)
            .Replace("\"label\": \"diabetes\"", "\"label\": \"glucose\"", StringComparison.Ordinal);
        var edited = Zip([.. entries.Select(e => e.FullName == "toolkit.json" ? (e.FullName, System.Text.Encoding.UTF8.GetBytes(json)) : e)]);

        var act = () => MlNetFormat.Instance.Read(new MemoryStream(edited), "edited.zip");

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain("'edited.zip'").And.Contain("label 'glucose' is also one of its signature's columns");
    }

    private (MLContext Ml, ITransformer Model, string Zip) TrainExternalDiabetes(bool extraColumn)
    {
        var ml = new MLContext(seed: 3);
        var train = SyntheticData.Generate("diabetes", 2000, 2);
        var patients = Patient.From(train).ToList();
        IDataView data = extraColumn
            ? ml.Data.LoadFromEnumerable(patients.Select((p, i) => new PatientWithId(p, "p" + i)))
            : ml.Data.LoadFromEnumerable(patients);
        var model = ml.Transforms.Categorical.OneHotEncoding("smoking_onehot", "smoking")
            .Append(ml.Transforms.Concatenate("Features", "age", "bmi", "glucose", "hba1c", "smoking_onehot"))
            .Append(ml.BinaryClassification.Trainers.LightGbm(labelColumnName: "diabetes", numberOfIterations: 40))
            .Fit(data);
        var zip = Path.Combine(_dir, extraColumn ? "team-model-id.zip" : "team-model.zip");
        ml.Model.Save(model, data.Schema, zip);
        return (ml, model, zip);
    }

    /// <summary>A model on C#-named columns (Age, Bmi, Glucose, label Diabetes), as LoadFromEnumerable of PascalCase properties gives.</summary>
    private (MLContext Ml, ITransformer Model, string Zip) TrainPascal()
    {
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromEnumerable(Patient.From(SyntheticData.Generate("diabetes", 1000, 2)).Select(p => new PascalPatient(p)).ToList());
        var model = ml.Transforms.Concatenate("Features", "Age", "Bmi", "Glucose")
            .Append(ml.BinaryClassification.Trainers.FastTree(labelColumnName: "Diabetes", numberOfTrees: 10))
            .Fit(data);
        var zip = Path.Combine(_dir, "pascal.zip");
        ml.Model.Save(model, data.Schema, zip);
        return (ml, model, zip);
    }

    private (MLContext Ml, ITransformer Model, string Zip) TrainExternalDiabetesOnLabel()
    {
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromEnumerable(Patient.From(SyntheticData.Generate("diabetes", 2000, 2)).Select(p => new LabelledPatient(p)).ToList());
        var model = ml.Transforms.Categorical.OneHotEncoding("smoking_onehot", "smoking")
            .Append(ml.Transforms.Concatenate("Features", "age", "bmi", "glucose", "hba1c", "smoking_onehot"))
            .Append(ml.BinaryClassification.Trainers.LightGbm(numberOfIterations: 40))
            .Fit(data);
        var zip = Path.Combine(_dir, "team-model-label.zip");
        ml.Model.Save(model, data.Schema, zip);
        return (ml, model, zip);
    }

    /// <summary>
    /// A CSV of three numbers x1..x3 and a 0/1 label, under <paramref name="header"/> (an "id" column is text-free
    /// row numbers). The label depends on x1 and x3, so the model learns something.
    /// </summary>
    private string WriteVectorCsv(string name, string[] header, int rows, int seed)
    {
        var random = new Random(seed);
        var lines = new List<string> { string.Join(',', header) };
        for (var r = 0; r < rows; r++)
        {
            var x = new[] { random.NextDouble() * 4, random.NextDouble() * 2, random.NextDouble() * 3 };
            var y = x[0] - x[2] + (random.NextDouble() - 0.5) > 0 ? 1 : 0;
            lines.Add(string.Join(',', header.Select(h => h switch
            {
                "id" => r.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "label" => y.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => x[h[1] - '1'].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
            })));
        }

        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>As ML.NET's samples load a CSV: x1..x3 as one vector "Features" (a column range from <paramref name="start"/>), the last column as "Label".</summary>
    private (MLContext Ml, ITransformer Model, TextLoader Loader, string Zip) TrainVectorModel(string[] header, int start = 0)
    {
        var ml = new MLContext(seed: 2);
        var train = WriteVectorCsv("vector-train.csv", header, 1000, seed: 4);
        var loader = ml.Data.CreateTextLoader(
            [new TextLoader.Column("Features", DataKind.Single, start, start + 2), new TextLoader.Column("Label", DataKind.Boolean, header.Length - 1)],
            separatorChar: ',', hasHeader: true);
        var data = loader.Load(train);
        var model = ml.BinaryClassification.Trainers.SdcaLogisticRegression().Fit(data);
        var zip = Path.Combine(_dir, "vector.zip");
        ml.Model.Save(model, data.Schema, zip);
        return (ml, model, loader, zip);
    }

    private string WriteCsv(DataTable table, string name)
    {
        var path = Path.Combine(_dir, name);
        CsvWriter.Write(table, path);
        return path;
    }

    private static DataTable Without(DataTable table, string name) => new([.. table.Columns.Where(c => c.Name != name)]);

    private static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                s.Write(bytes);
            }
        }

        return buffer.ToArray();
    }

    private static byte[] ReadEntry(ZipArchive archive, string name)
    {
        using var s = archive.GetEntry(name)!.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

#pragma warning disable IDE1006, SA1300 // ML.NET maps property names to column names: these are the CSV's.
    internal class Patient
    {
        public float age { get; set; }

        public float bmi { get; set; }

        public float glucose { get; set; }

        public float hba1c { get; set; }

        public string smoking { get; set; } = "";

        public bool diabetes { get; set; }

        public static IEnumerable<Patient> From(DataTable t)
        {
            var smoking = (CategoricalColumn)t["smoking"];
            for (var i = 0; i < t.RowCount; i++)
            {
                yield return new Patient
                {
                    age = (float)t["age"].GetDouble(i),
                    bmi = (float)t["bmi"].GetDouble(i),
                    glucose = (float)t["glucose"].GetDouble(i),
                    hba1c = (float)t["hba1c"].GetDouble(i),
                    smoking = smoking[i] ?? "",
                    diabetes = t["diabetes"].GetDouble(i) == 1,
                };
            }
        }
    }

    internal sealed class PatientWithId : Patient
    {
        public PatientWithId(Patient p, string id)
        {
            age = p.age;
            bmi = p.bmi;
            glucose = p.glucose;
            hba1c = p.hba1c;
            smoking = p.smoking;
            diabetes = p.diabetes;
            patient_id = id;
        }

        public string patient_id { get; set; }
    }

    internal sealed class PascalPatient(Patient p)
    {
        public float Age { get; set; } = p.age;

        public float Bmi { get; set; } = p.bmi;

        public float Glucose { get; set; } = p.glucose;

        public bool Diabetes { get; set; } = p.diabetes;
    }

    internal sealed class TwoTargets
    {
        public float x { get; set; }

        public float y { get; set; }

        public float other { get; set; }
    }
#pragma warning restore IDE1006, SA1300

    /// <summary>The shape ML.NET's samples use: the label property is the trainers' default column, Label.</summary>
    internal sealed class LabelledPatient(Patient p)
    {
        [ColumnName("age")]
        public float Age { get; set; } = p.age;

        [ColumnName("bmi")]
        public float Bmi { get; set; } = p.bmi;

        [ColumnName("glucose")]
        public float Glucose { get; set; } = p.glucose;

        [ColumnName("hba1c")]
        public float HbA1c { get; set; } = p.hba1c;

        [ColumnName("smoking")]
        public string Smoking { get; set; } = p.smoking;

        public bool Label { get; set; } = p.diabetes;
    }

    internal sealed class TwoVectorRow
    {
        [VectorType(2)]
        public float[] A { get; set; } = [];

        [VectorType(1)]
        public float[] B { get; set; } = [];

        public bool Label { get; set; }
    }

    internal sealed class ProbabilityRow
    {
        public float Probability { get; set; }
    }
}
