using Toolkit.Ml.Training;
using Toolkit.Ml.Trees;
using static Toolkit.Ml.Tests.Trees.TreeTestData;

namespace Toolkit.Ml.Tests.Trees;

/// <summary>Behaviour shared by both ensembles: exact splits, XOR, constants, determinism, persistence, missing values.</summary>
public sealed class TreeEnsembleTests
{
    public static TheoryData<string> Algorithms => new() { RandomForestAlgorithm.AlgorithmName, GradientBoostingAlgorithm.AlgorithmName };

    private static IAlgorithm Algorithm(string name) => AlgorithmCatalog.Default.Get(name);

    [Fact]
    public void Catalog_ListsBothEnsembles_WithoutScaling()
    {
        AlgorithmCatalog.Default.Get("random-forest").NeedsScaledInputs.Should().BeFalse();
        AlgorithmCatalog.Default.Get("gradient-boosting").NeedsScaledInputs.Should().BeFalse();
    }

    [Fact]
    public void TestData_MatchesThePythonRebuild()
    {
        // Values printed by the Python generator used for the reference figures (see ReferenceAccuracy tests).
        var (x, target, _) = Friedmanish(0, 2);
        x[0, 0].Should().Be(0.13424647f);
        x[1, 7].Should().Be(0.34723374f);
        target[0].Should().BeApproximately(0.2671732996370228, 1e-7);
        target[1].Should().BeApproximately(-1.533891849699382, 1e-7);
    }

    [Fact]
    public void RandomForest_PureThreshold_SplitsExactlyBetweenTheTwoValues()
    {
        // y = 1 exactly when x >= 37 on x = 0..99: one split at 36.5 separates the classes.
        var x = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        var y = x.Select(v => v >= 37 ? 1.0 : 0.0).ToArray();
        var model = Fit(Algorithm("random-forest"), Matrix(x), y, ModelTask.BinaryClassification,
            new() { ["trees"] = "1", ["bootstrap"] = "false", ["max_features"] = "1.0" });

        Predict(model, Matrix([0f, 36f, 36.4f, 36.6f, 37f, 99f])).Should().Equal(0, 0, 0, 1, 1, 1);
    }

    [Fact]
    public void GradientBoosting_PureThreshold_OneStumpSplitsBetweenTheTwoValues()
    {
        var x = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        var y = x.Select(v => v >= 37 ? 1.0 : 0.0).ToArray();
        var model = Fit(Algorithm("gradient-boosting"), Matrix(x), y, ModelTask.BinaryClassification,
            new() { ["rounds"] = "1", ["max_depth"] = "1" });

        var p = Predict(model, Matrix([0f, 36f, 36.4f, 36.6f, 37f, 99f]));
        p[0].Should().Be(p[1]).And.Be(p[2]);
        p[3].Should().Be(p[4]).And.Be(p[5]);
        // One round at learning rate 0.1 moves each side a little away from the prior 0.63.
        p[2].Should().BeLessThan(0.63);
        p[3].Should().BeGreaterThan(0.63);
    }

    [Fact]
    public void RandomForest_UnbalancedXor_DepthTwoTreeIsExact()
    {
        // XOR with unequal cell counts (10, 20, 20, 30) so the first greedy split has positive gain.
        var (a, b, y) = Xor();
        var model = Fit(Algorithm("random-forest"), Matrix(a, b), y, ModelTask.BinaryClassification,
            new() { ["trees"] = "1", ["max_depth"] = "2", ["bootstrap"] = "false", ["max_features"] = "1.0" });

        Predict(model, Matrix([0f, 0f, 1f, 1f], [0f, 1f, 0f, 1f])).Should().Equal(0, 1, 1, 0);
    }

    [Fact]
    public void GradientBoosting_UnbalancedXor_DepthTwoTreesSeparateTheCells()
    {
        var (a, b, y) = Xor();
        var model = Fit(Algorithm("gradient-boosting"), Matrix(a, b), y, ModelTask.BinaryClassification,
            new() { ["rounds"] = "50", ["max_depth"] = "2", ["learning_rate"] = "0.3" });

        var p = Predict(model, Matrix([0f, 0f, 1f, 1f], [0f, 1f, 0f, 1f]));
        p[0].Should().BeLessThan(0.1);
        p[1].Should().BeGreaterThan(0.9);
        p[2].Should().BeGreaterThan(0.9);
        p[3].Should().BeLessThan(0.1);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Fit_ConstantTarget_PredictsTheConstant(string name)
    {
        var (x, _, _) = Friedmanish(0, 200);
        var y = Enumerable.Repeat(3.5, 200).ToArray();
        var model = Fit(Algorithm(name), x, y, ModelTask.Regression);

        Predict(model, Friedmanish(500, 50).Features).Should().AllSatisfy(p => p.Should().Be(3.5));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Fit_OneThreadOrFour_SamePredictionsAndBytes(string name)
    {
        // More rows than one histogram block (8192), so partial histograms are merged.
        var (x, _, label) = Friedmanish(0, 20_000);
        WithMissing(x, 0, every: 7);
        var given = name == "random-forest"
            ? new Dictionary<string, string> { ["trees"] = "20", ["max_leaf_nodes"] = "40" }
            : new Dictionary<string, string> { ["rounds"] = "20", ["subsample"] = "0.7", ["colsample"] = "0.8", ["num_leaves"] = "12", ["early_stopping_rounds"] = "5" };
        var one = Fit(Algorithm(name), x, label, ModelTask.BinaryClassification, given, threads: 1, seed: 5);
        var four = Fit(Algorithm(name), x, label, ModelTask.BinaryClassification, given, threads: 4, seed: 5);

        Serialize(one).Should().Equal(Serialize(four));
        var test = Friedmanish(5000, 300).Features;
        Predict(one, test).Should().Equal(Predict(four, test));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Fit_DifferentSeeds_DifferentModels(string name)
    {
        var (x, _, label) = Friedmanish(0, 800);
        var given = name == "random-forest"
            ? new Dictionary<string, string> { ["trees"] = "5" }
            : new Dictionary<string, string> { ["rounds"] = "5", ["subsample"] = "0.5" };

        Serialize(Fit(Algorithm(name), x, label, ModelTask.BinaryClassification, given, seed: 1))
            .Should().NotEqual(Serialize(Fit(Algorithm(name), x, label, ModelTask.BinaryClassification, given, seed: 2)));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void WriteThenRead_SamePredictionsAndBytes(string name)
    {
        var (x, target, _) = Friedmanish(0, 1000);
        WithMissing(x, 2, every: 5);
        var algorithm = Algorithm(name);
        var model = Fit(algorithm, x, target, ModelTask.Regression,
            name == "random-forest" ? new() { ["trees"] = "10" } : new() { ["rounds"] = "30" });
        var loaded = RoundTrip(algorithm, model);

        var test = Friedmanish(4000, 500).Features;
        WithMissing(test, 2, every: 3);
        Predict(loaded, test).Should().Equal(Predict(model, test));
        Serialize(loaded).Should().Equal(Serialize(model));
        loaded.FeatureCount.Should().Be(8);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Predict_BatchAndRowByRow_Agree(string name)
    {
        // Batches take the vectorized path (16 or 8 rows at a time), single rows the scalar one.
        var (x, target, _) = Friedmanish(0, 1000);
        var model = Fit(Algorithm(name), x, target, ModelTask.Regression,
            name == "random-forest" ? new() { ["trees"] = "10" } : new() { ["rounds"] = "20" });
        var test = Friedmanish(2000, 600).Features;

        var batch = Predict(model, test);
        var single = Enumerable.Range(0, test.RowCount).Select(i => Predict(model, test.Take([i]))[0]).ToArray();

        batch.Should().Equal(single);
    }

    [Fact]
    public void Read_LinkOutsideTheModel_Throws()
    {
        var (x, target, _) = Friedmanish(0, 200);
        var algorithm = Algorithm("gradient-boosting");
        var model = Fit(algorithm, x, target, ModelTask.Regression, new() { ["rounds"] = "2", ["max_depth"] = "2" });
        var json = System.Text.Json.Nodes.JsonNode.Parse(Serialize(model))!.AsObject();
        using var document = System.Text.Json.JsonDocument.Parse(json.ToJsonString());
        var left = PayloadArrays.ReadInts(document.RootElement, "left");
        var right = PayloadArrays.ReadInts(document.RootElement, "right");
        left[0] = left.Length - 1;
        right[0] = left.Length;
        json["left"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(left.AsSpan()));
        json["right"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(right.AsSpan()));
        using var corrupted = System.Text.Json.JsonDocument.Parse(json.ToJsonString());

        var act = () => algorithm.Read(corrupted.RootElement, ModelTask.Regression);

        act.Should().Throw<FormatException>().WithMessage("*outside the model*");
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Fit_MissingMeansPositive_MissingRowsPredictedPositive(string name)
    {
        // Feature 0 is missing exactly for the positives; its present values carry no signal.
        var n = 400;
        var x0 = new float[n];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            y[i] = i % 3 == 0 ? 1 : 0;
            x0[i] = y[i] == 1 ? float.NaN : (float)Uniform(i, 1);
        }

        var model = Fit(Algorithm(name), Matrix(x0), y, ModelTask.BinaryClassification);

        var p = Predict(model, Matrix([float.NaN, 0.2f, 0.8f]));
        p[0].Should().BeGreaterThan(0.9);
        p[1].Should().BeLessThan(0.1);
        p[2].Should().BeLessThan(0.1);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Predict_MissingNeverSeenInTraining_FollowsTheLargerSide(string name)
    {
        // 80 rows x < 0.5 with y = 0, 20 rows x >= 0.5 with y = 1; a NaN at prediction goes with the 80.
        var x = Enumerable.Range(0, 100).Select(i => i < 80 ? i / 200f : 0.5f + (i / 1000f)).ToArray();
        var y = x.Select(v => v >= 0.5f ? 1.0 : 0.0).ToArray();
        var model = Fit(Algorithm(name), Matrix(x), y, ModelTask.BinaryClassification);

        Predict(model, Matrix([float.NaN]))[0].Should().BeLessThan(0.2);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Fit_Cancelled_Throws(string name)
    {
        var (x, _, label) = Friedmanish(0, 300);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var algorithm = Algorithm(name);
        var act = () => algorithm.Fit(
            new TrainingData(x, label, ModelTask.BinaryClassification),
            HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, null),
            new TrainContext { CancellationToken = cts.Token });

        act.Should().Throw<OperationCanceledException>();
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Fit_ReportsProgressPerTree(string name)
    {
        var (x, _, label) = Friedmanish(0, 300);
        var reports = new List<TrainingProgress>();
        var algorithm = Algorithm(name);
        var given = new Dictionary<string, string> { [name == "random-forest" ? "trees" : "rounds"] = "7" };
        algorithm.Fit(
            new TrainingData(x, label, ModelTask.BinaryClassification),
            HyperParameters.Resolve(algorithm.Name, algorithm.Parameters, given),
            new TrainContext { Progress = new SyncProgress(reports), MaxThreads = 1 });

        reports.Select(r => r.Current).Should().BeEquivalentTo(Enumerable.Range(1, 7));
        reports.Should().AllSatisfy(r => r.Total.Should().Be(7));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Importance_InformativeFeaturesOutrankNoise(string name)
    {
        var (x, target, _) = Friedmanish(0, 2000);
        var model = Fit(Algorithm(name), x, target, ModelTask.Regression,
            name == "random-forest" ? new() { ["trees"] = "30" } : new() { ["rounds"] = "40" });
        var (tx, tt, _) = Friedmanish(3000, 1000);

        var gain = name == "random-forest" ? ((RandomForestPredictor)model).FeatureImportance : ((GradientBoostingPredictor)model).FeatureImportance;
        var permutation = name == "random-forest"
            ? ((RandomForestPredictor)model).PermutationImportance(tx, tt, seed: 3)
            : ((GradientBoostingPredictor)model).PermutationImportance(tx, tt, seed: 3);

        gain.Sum().Should().BeApproximately(1, 1e-9);
        gain[0].Should().BeGreaterThan(gain[5]);
        gain[1].Should().BeGreaterThan(gain[6]);
        permutation[0].Should().BeGreaterThan(0.1);
        permutation[7].Should().BeLessThan(0.02);
        permutation[0].Should().BeGreaterThan(permutation[7]);
    }

    [Fact]
    public void PermutationImportance_SameSeed_SameResult()
    {
        var (x, _, label) = Friedmanish(0, 500);
        var model = (GradientBoostingPredictor)Fit(Algorithm("gradient-boosting"), x, label, ModelTask.BinaryClassification, new() { ["rounds"] = "10" });

        model.PermutationImportance(x, label, seed: 9).Should().Equal(model.PermutationImportance(x, label, seed: 9));
    }

    internal static (float[] A, float[] B, double[] Y) Xor()
    {
        var a = new List<float>();
        var b = new List<float>();
        var y = new List<double>();
        foreach (var (va, vb, count) in new[] { (0, 0, 10), (0, 1, 20), (1, 0, 20), (1, 1, 30) })
        {
            for (var i = 0; i < count; i++)
            {
                a.Add(va);
                b.Add(vb);
                y.Add(va ^ vb);
            }
        }

        return ([.. a], [.. b], [.. y]);
    }

    private static void WithMissing(FeatureMatrix x, int column, int every)
    {
        var values = x.Columns[column];
        for (var i = 0; i < values.Length; i += every)
        {
            values[i] = float.NaN;
        }
    }

    /// <summary>Records reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class SyncProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
