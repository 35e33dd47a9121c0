using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Toolkit.Cli.Tests.Fuzz;

/// <summary>
/// The hostile-input corpus (#11): several hundred malformed inputs generated from valid ones. Every case
/// must end with the documented exit code, a short error naming the file or field, no stack trace or
/// raw .NET message, and nothing written where the output was asked for. Most run in-process (fast);
/// the ones that could overflow the stack, allocate without bound or read forever run as a real
/// <c>mlops</c> process, where a crash or a hang is observed rather than taking the test host down.
/// </summary>
public sealed partial class FuzzCorpusTests
{
    /// <summary>A hang guard, not a timed assertion: every case finishes in well under a second or two.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    private static readonly Lazy<Dictionary<string, FuzzCase>> All = new(() =>
        CsvCorpus.Cases().Concat(ModelCorpus.Cases()).Concat(PipelineCorpus.Cases())
            .Concat(SettingsCorpus.PolicyCases()).Concat(SettingsCorpus.ProjectCases()).Concat(ArgumentCorpus.Cases())
            .Concat(ProcessCases())
            .ToDictionary(c => c.Name));

    public static TheoryData<string> Csv => Names("csv/");

    public static TheoryData<string> Models => Names("model/");

    public static TheoryData<string> Pipelines => Names("pipeline/");

    public static TheoryData<string> Settings => new([.. Names("model-yaml/"), .. Names("toolkit-yaml/")]);

    public static TheoryData<string> Arguments => Names("args/");

    public static TheoryData<string> Processes => Names("process/");

    [Fact]
    public void Corpus_HasAtLeast300Cases_EachNamedOnce()
    {
        All.Value.Count.Should().BeGreaterThanOrEqualTo(300);
        foreach (var prefix in new[] { "csv/", "model/", "pipeline/", "model-yaml/", "toolkit-yaml/", "args/", "process/" })
        {
            All.Value.Keys.Should().Contain(k => k.StartsWith(prefix, StringComparison.Ordinal), $"the corpus covers {prefix}");
        }
    }

    /// <summary>The inputs the corpus mutates are valid: a failure below is the mutation's, not the template's.</summary>
    [Fact]
    public async Task Templates_AreValid_SoEveryMutationIsWhatFails()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("p.yaml"), PipelineCorpus.Valid);
        await File.WriteAllTextAsync(folder.File("d.csv"), CsvCorpus.Valid);
        await File.WriteAllBytesAsync(folder.File("m.tkm"), FuzzModel.Bytes);
        await File.WriteAllTextAsync(folder.File("toolkit.yaml"), SettingsCorpus.Project);
        Directory.CreateDirectory(folder.File("models/m"));
        await File.WriteAllTextAsync(folder.File("models/m/model.yaml"), SettingsCorpus.Policy);

        (await CliRunner.RunInAsync(folder.Path, "pipeline", "validate", "p.yaml")).ExitCode.Should().Be(0);
        (await CliRunner.RunInAsync(folder.Path, "predict", "--model", "m.tkm", "--data", "d.csv", "--out", "p.csv")).ExitCode.Should().Be(0);
        (await CliRunner.RunInAsync(folder.Path, "component", "run", "data/validate", "--input", "dataset=d.csv", "--param", "label=y", "--param", "min_rows=1", "--output", "report=r.json")).ExitCode.Should().Be(0);
        (await CliRunner.RunInAsync(folder.Path, "runs", "list")).ExitCode.Should().Be(0);

        // The policy is read (the missing report is what fails, and it is named).
        var gate = await CliRunner.RunInAsync(folder.Path, "gate", "check", "--model", "m", "--report", "r-missing.json");
        gate.Error.Should().Contain("r-missing.json").And.NotContain("model.yaml");
    }

    [Theory]
    [MemberData(nameof(Csv))]
    public Task CsvInput_Refused(string name) => RunInProcessAsync(All.Value[name]);

    [Theory]
    [MemberData(nameof(Models))]
    public Task ModelFile_Refused(string name) => RunInProcessAsync(All.Value[name]);

    [Theory]
    [MemberData(nameof(Pipelines))]
    public Task PipelineFile_Refused(string name) => RunInProcessAsync(All.Value[name]);

    [Theory]
    [MemberData(nameof(Settings))]
    public Task SettingsFile_Refused(string name) => RunInProcessAsync(All.Value[name]);

    [Theory]
    [MemberData(nameof(Arguments))]
    public Task CommandLine_Refused(string name) => RunInProcessAsync(All.Value[name]);

    [Theory]
    [MemberData(nameof(Processes))]
    public async Task DeepOrEndlessInput_RefusedByARealProcess(string name)
    {
        var c = All.Value[name];
        using var folder = Lay(c);
        var (code, stdout, stderr) = await RunProcessAsync(folder.Path, c.Args);
        Check(c, folder, code, stdout, stderr);
    }

    private static TheoryData<string> Names(string prefix) => new(All.Value.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)));

    private static async Task RunInProcessAsync(FuzzCase c)
    {
        using var folder = Lay(c);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var guard = new CancellationTokenSource(HangGuard);

        // On the pool with a token: a hung case fails here instead of stopping the run.
        var run = Task.Run(() => CliApp.RunAsync(c.Args, output, error, folder.Path, guard.Token));
        var code = await run.WaitAsync(HangGuard + TimeSpan.FromSeconds(30));
        guard.IsCancellationRequested.Should().BeFalse($"case {c.Name} must finish well within the hang guard");
        Check(c, folder, code, output.ToString(), error.ToString());
    }

    private static TempFolder Lay(FuzzCase c)
    {
        var folder = new TempFolder();
        if (c.Project)
        {
            folder.CopyReferenceProject();
        }

        foreach (var (path, bytes) in c.Files)
        {
            var full = folder.File(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }

        return folder;
    }

    private static void Check(FuzzCase c, TempFolder folder, int code, string stdout, string stderr)
    {
        var because = $"case {c.Name}: exit {code}, stderr: {Clip(stderr)}";
        code.Should().Be(c.ExpectedExit, because);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().NotBeEmpty(because);
        lines.Length.Should().BeLessThanOrEqualTo(c.MaxErrorLines, because);
        StackFrame().IsMatch(stderr).Should().BeFalse($"no stack trace: {because}");
        DotNetException().IsMatch(stderr).Should().BeFalse($"no .NET exception names: {because}");
        foreach (var raw in RawMessages)
        {
            stderr.Should().NotContain(raw, $"a raw .NET message is unclear: {because}");
        }

        stderr.Should().NotContain(".tmp'", $"an error names the file the user gave, not a hidden temp: {because}");
        if (c.MustName is { } mustName)
        {
            stderr.Should().Contain(mustName, $"the error names what is wrong: {because}");
        }

        if (c.Output is { } output)
        {
            Path.Exists(folder.File(output)).Should().BeFalse($"nothing is written to {output}: {because}");
        }

        Directory.EnumerateFiles(folder.Path, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty($"no temp file is left behind: {because}");
        _ = stdout;
    }

    private static string Clip(string text) => text.Length <= 2000 ? text : text[..2000] + "...";

    /// <summary>The .NET runtime's own messages: they name neither the file nor the field.</summary>
    private static readonly string[] RawMessages =
    [
        "Object reference not set", "Value cannot be null", "Operation is not valid due to", "Unable to cast object",
        "Index was outside the bounds", "Arithmetic operation resulted in an overflow", "Input string was not in a correct format",
        "Array dimensions exceeded", "Specified argument was out of the range", "Sequence contains", "The given key",
        "Nullable object must have a value", "SQLite Error", "TimeSpan overflowed", "Stack overflow", "Out of memory",
        "The requested operation requires an element of type", "Cannot access a disposed", "Exception of type",
        "One or more errors occurred", "An item with the same key", "Collection was modified",
    ];

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [GeneratedRegex(@"\b(System|Microsoft|YamlDotNet|Toolkit)(\.\w+)*\.\w*Exception\b")]
    private static partial Regex DotNetException();

    /// <summary>Inputs that could overflow the stack, read forever or allocate without bound.</summary>
    private static IEnumerable<FuzzCase> ProcessCases()
    {
        var pipeline = PipelineCorpus.Valid;
        byte[] Pipeline(string from, string to) => Encoding.UTF8.GetBytes(pipeline.Replace(from, to, StringComparison.Ordinal));
        FuzzCase Validate(string name, byte[] yaml) => new()
        {
            Name = $"process/pipeline/{name}",
            Files = new Dictionary<string, byte[]> { ["p.yaml"] = yaml },
            Args = ["pipeline", "validate", "p.yaml"],
            MustName = "p.yaml",
            MaxErrorLines = 10,
        };

        yield return Validate("with-flow-sequence-20000-deep", Pipeline("      c: 1.0", "      c: " + new string('[', 20_000) + new string(']', 20_000)));
        yield return Validate("with-flow-mapping-20000-deep", Pipeline("      c: 1.0", "      c: " + string.Concat(Enumerable.Repeat("{a: ", 20_000)) + "1" + new string('}', 20_000)));
        yield return Validate("with-block-mapping-3000-deep", Pipeline("      c: 1.0", "      c:\n" + string.Concat(Enumerable.Range(0, 3000).Select(i => new string(' ', 8 + (i * 2)) + "k:\n")) + new string(' ', 8 + 6000) + "v: 1"));
        yield return Validate("with-block-sequence-3000-deep", Pipeline("      c: 1.0", "      c:\n" + string.Concat(Enumerable.Range(0, 3000).Select(i => new string(' ', 8 + (i * 2)) + "-\n")) + new string(' ', 8 + 6000) + "- 1"));
        yield return Validate("when-30000-parentheses", Pipeline("${{ steps.evaluate.outputs.auc >= 0.5 }}", "${{ " + new string('(', 30_000) + "1" + new string(')', 30_000) + " }}"));
        yield return Validate("when-30000-nots", Pipeline("${{ steps.evaluate.outputs.auc >= 0.5 }}", "${{ " + new string('!', 30_000) + "true }}"));
        yield return Validate("when-30000-unary-minus", Pipeline("${{ steps.evaluate.outputs.auc >= 0.5 }}", "${{ " + new string('-', 30_000) + "1 > 0 }}"));
        yield return Validate("alias-chain-100000", Pipeline("      c: 1.0", "      c: 1.0\n      x0: &a0 [1]\n" + string.Concat(Enumerable.Range(1, 2000).Select(i => $"      x{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n"))));
        yield return new FuzzCase
        {
            Name = "process/pipeline/dev-zero",
            Args = ["pipeline", "validate", "/dev/zero"],
            MustName = "/dev/zero",
        };
        yield return new FuzzCase
        {
            Name = "process/toolkit-yaml/flow-20000-deep",
            Files = new Dictionary<string, byte[]> { ["toolkit.yaml"] = Encoding.UTF8.GetBytes("store: " + new string('[', 20_000) + new string(']', 20_000) + "\n") },
            Args = ["runs", "list"],
            MustName = "toolkit.yaml",
        };
        yield return new FuzzCase
        {
            Name = "process/model-yaml/flow-20000-deep",
            Files = new Dictionary<string, byte[]>
            {
                ["models/m/model.yaml"] = Encoding.UTF8.GetBytes(SettingsCorpus.Policy.Replace("name: m", "name: m\nx: " + new string('[', 20_000) + new string(']', 20_000), StringComparison.Ordinal)),
            },
            Args = ["gate", "check", "--model", "m", "--report", "r.json"],
            MustName = "model.yaml",
        };

        foreach (var device in new[] { "/dev/zero", "/dev/urandom" })
        {
            var slug = device.Replace("/dev/", "", StringComparison.Ordinal);
            yield return new FuzzCase
            {
                Name = $"process/csv/train-{slug}",
                Args = ["train", "--data", device, "--label", "y", "--algorithm", "lasso", "--out", "m.tkm"],
                MustName = device,
                Output = "m.tkm",
            };
            yield return new FuzzCase
            {
                Name = $"process/model/predict-{slug}",
                Files = new Dictionary<string, byte[]> { ["d.csv"] = Encoding.UTF8.GetBytes(CsvCorpus.Valid) },
                Args = ["predict", "--model", device, "--data", "d.csv", "--out", "p.csv"],
                MustName = device,
                Output = "p.csv",
            };
        }

        yield return new FuzzCase
        {
            Name = "process/csv/predict-endless-field",
            Files = new Dictionary<string, byte[]> { ["m.tkm"] = FuzzModel.Bytes },
            Args = ["predict", "--model", "m.tkm", "--data", "/dev/zero", "--out", "p.csv"],
            MustName = "/dev/zero",
            Output = "p.csv",
        };
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunProcessAsync(string folder, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlops.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["CI"] = "true";
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x40000000"; // 1 GiB: a blow-up fails fast instead of swapping the machine
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(HangGuard);
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new Xunit.Sdk.XunitException($"mlops {string.Join(' ', args.Select(a => a.Length > 60 ? a[..60] + "..." : a))} did not finish within {HangGuard.TotalSeconds} s (a hang)");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
