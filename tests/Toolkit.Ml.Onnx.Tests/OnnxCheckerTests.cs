using System.Diagnostics;
using Toolkit.Ml.Data.Splits;
using Toolkit.Ml.Data.Synthetic;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Onnx.Tests;

/// <summary>
/// A test that needs the ONNX project's own checker (Debian's python3-onnx): skipped with the reason
/// where it is missing, except in CI (CI=true), where .ci/run installs it and a skip would hide a gap.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnnxCheckerFactAttribute : FactAttribute
{
    public OnnxCheckerFactAttribute()
    {
        if (!OnnxChecker.Available && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "onnx.checker not installed (apt-get install python3-onnx)";
        }
    }
}

internal static class OnnxChecker
{
    private const string Python = "/usr/bin/python3";

    public static bool Available { get; } = Run("-c", "import onnx").ExitCode == 0;

    /// <summary>Runs onnx.checker with full shape and type inference on the file.</summary>
    public static (int ExitCode, string Output) Check(string path) =>
        Run("-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", path);

    /// <summary>
    /// onnx.checker without shape inference: for graphs with a ZipMap output, whose map type the checker's
    /// strict inference (onnx 1.12) cannot merge with the declared one.
    /// </summary>
    public static (int ExitCode, string Output) CheckStructure(string path) =>
        Run("-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]))", path);

    private static (int ExitCode, string Output) Run(params string[] args)
    {
        if (!File.Exists(Python))
        {
            return (127, $"{Python} not found");
        }

        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}

public sealed class OnnxCheckerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "toolkit-onnx-checker", Guid.NewGuid().ToString("N"));

    public OnnxCheckerTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [OnnxCheckerFact]
    public void Export_EveryModelKind_PassesOnnxChecker()
    {
        foreach (var (generator, algorithm) in new[]
        {
            ("diabetes", "gradient-boosting"), ("diabetes", "random-forest"), ("diabetes", "logistic-regression"),
            ("housing", "gradient-boosting"), ("housing", "ridge"),
        })
        {
            var data = SyntheticData.Generate(generator, 1500, 3);
            var (train, _) = DataSplitter.TrainTest(data, 0.3, 3);
            var parameters = algorithm switch
            {
                "gradient-boosting" => new Dictionary<string, string> { ["rounds"] = "20" },
                "random-forest" => new Dictionary<string, string> { ["trees"] = "10" },
                _ => [],
            };
            var model = ModelTrainer.Train(train, new TrainRequest { Algorithm = algorithm, Label = SyntheticData.LabelOf(generator), Parameters = parameters }, new TrainContext { Seed = 3 });
            var path = Path.Combine(_folder, $"{generator}-{algorithm}.onnx");
            OnnxExporter.Export(model, path);

            var (exitCode, output) = OnnxChecker.Check(path);

            exitCode.Should().Be(0, $"onnx.checker on {generator}/{algorithm}: {output}");
        }
    }

    [OnnxCheckerFact]
    public void Checker_CorruptFile_Fails()
    {
        // The checker itself must be able to say no, or passing it proves nothing.
        var path = Path.Combine(_folder, "corrupt.onnx");
        File.WriteAllBytes(path, [0x08, 0x08, 0x3a, 0x05, 0x12, 0x03, 0x61, 0x62]);

        OnnxChecker.Check(path).ExitCode.Should().NotBe(0);
    }
}
