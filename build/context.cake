// Shared, typed state for every task (Setup<BuildData>), read once from arguments and environment.
public sealed class BuildData
{
    public string Configuration { get; init; }
    public FilePath Solution { get; init; }
    public DirectoryPath Artifacts { get; init; }
    public DirectoryPath TestResults { get; init; }
    public bool IsCI { get; init; }
    public bool HasNode { get; init; }
    public string Pipeline { get; init; }
    public bool NoCache { get; init; }
    public IReadOnlyList<string> PipelineParams { get; init; }
    public string Model { get; init; }
    public string Stage { get; init; }
    public string Approver { get; init; }
    public string Reason { get; init; }
    public bool InGitHubActions { get; init; }
    public bool HasMlflow { get; init; }

    // The mlops.dll every mlops task runs: the one Build makes, or a prebuilt one (--mlops=PATH, Build skipped).
    public FilePath MlopsDll { get; init; }
    public bool PrebuiltMlops { get; init; }

    // Filled as tasks run: the pipeline run and the registered version they pass along.
    // --model-version, not --version: Cake owns --version (a flag that takes no value).
    public string RunId { get; set; }
    public int ModelVersion { get; set; }
    public string DeployedUrl { get; set; }
    public ICakeContext Context { get; init; }

    public static BuildData From(ISetupContext ctx)
    {
        // Cake starts in build/; every path and process below is relative to the repository root.
        ctx.Environment.WorkingDirectory = ctx.MakeAbsolute(ctx.Directory(".."));
        var artifacts = ctx.MakeAbsolute(ctx.Directory("artifacts"));
        var configuration = ctx.Argument("configuration", "Release");
        var prebuilt = ctx.Argument<string>("mlops", null);
        return new BuildData
        {
            Configuration = configuration,
            Solution = ctx.MakeAbsolute(ctx.File("Toolkit.sln")),
            Artifacts = artifacts,
            TestResults = artifacts.Combine("test-results"),
            IsCI = ctx.EnvironmentVariable("CI") is string ci && ci.Equals("true", StringComparison.OrdinalIgnoreCase),
            HasNode = ctx.Tools.Resolve("node") is not null && ctx.Tools.Resolve("npm") is not null,
            Pipeline = ctx.Argument("pipeline", "diabetes"),
            NoCache = ctx.HasArgument("no-cache"),
            PipelineParams = ctx.HasArgument("param") ? ctx.Arguments<string>("param").ToList() : new List<string>(),
            Model = ctx.Argument("model", ctx.Argument("pipeline", "diabetes")),
            Stage = ctx.Argument("stage", "dev"),
            // Not GITHUB_ACTOR (whoever pushed): inside Actions, mlops takes the approval from the environment's review.
            Approver = ctx.Argument<string>("approver", null),
            Reason = ctx.Argument("reason", "build " + (ctx.EnvironmentVariable("GITHUB_RUN_ID") ?? "local")),
            RunId = ctx.Argument<string>("run", null),
            InGitHubActions = ctx.EnvironmentVariable("GITHUB_ACTIONS") == "true",
            HasMlflow = ctx.EnvironmentVariable("MLFLOW_TRACKING_URI") is { Length: > 0 },
            ModelVersion = ctx.Argument("model-version", 0),
            MlopsDll = ctx.MakeAbsolute(ctx.File(prebuilt ?? $"src/Toolkit.Cli/bin/{configuration}/net10.0/mlops.dll")),
            PrebuiltMlops = prebuilt is not null,
            Context = ctx,
        };
    }

    // On a developer machine a missing optional tool skips its task with a warning; in CI it fails.
    public bool FailIfMissing(string what, string task)
    {
        if (IsCI)
        {
            throw new CakeException($"{what} not found: {task} cannot run, and CI=true forbids skipping it.");
        }

        Context.Warning($"{what} not found: skipping {task}.");
        return false;
    }
}

// Runs a tool found on PATH and fails the task on a non-zero exit code.
public static void Run(BuildData data, string tool, string arguments)
{
    var path = data.Context.Tools.Resolve(tool) ?? throw new CakeException($"'{tool}' is not on PATH.");
    var exit = data.Context.StartProcess(path, new ProcessSettings { Arguments = arguments });
    if (exit != 0)
    {
        throw new CakeException($"'{tool} {arguments}' exited with code {exit}.");
    }
}

// Runs the mlops command built by the Build task, or --mlops=PATH (the same binary users and CI run).
public static void Mlops(BuildData data, string arguments)
{
    RequireMlops(data);
    var exit = data.Context.StartProcess("dotnet", new ProcessSettings { Arguments = $"\"{data.MlopsDll.FullPath}\" {arguments}" });
    if (exit != 0)
    {
        throw new CakeException($"'mlops {arguments}' exited with code {exit}.");
    }
}

// Runs mlops with --json and returns the parsed object (stdout captured, stderr passed through).
public static System.Text.Json.JsonElement MlopsJson(BuildData data, string arguments)
{
    RequireMlops(data);
    var exit = data.Context.StartProcess("dotnet", new ProcessSettings
    {
        Arguments = $"\"{data.MlopsDll.FullPath}\" {arguments}",
        RedirectStandardOutput = true,
    }, out var lines);
    var text = string.Join("\n", lines);
    if (exit != 0)
    {
        throw new CakeException($"'mlops {arguments}' exited with code {exit}.");
    }

    return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
}

public static void RequireMlops(BuildData data)
{
    if (!data.Context.FileExists(data.MlopsDll))
    {
        throw new CakeException(data.PrebuiltMlops
            ? $"--mlops: {data.MlopsDll.FullPath} does not exist."
            : $"{data.MlopsDll.FullPath} does not exist: run the Build target (or pass --mlops=PATH to a built mlops.dll).");
    }
}

// Where the main job's outputs are, one line each (printed last by Default, or --target=Outputs).
public static IEnumerable<string> OutputLines(BuildData data)
{
    var ctx = data.Context;
    string Where(string relative, string what)
    {
        var present = ctx.DirectoryExists(relative) ? "" : "  (not made yet)";
        return $"  {relative + "/",-24} {what}{present}";
    }

    yield return "Outputs:";
    yield return Where("artifacts/gate", $"gate report and model card ({data.Model}.md, {data.Model}-card.md)");
    yield return Where("artifacts/test-results", "TRX and coverage per test run (all/, unit/, integration/)");
    yield return Where(".toolkit", "the store (toolkit.yaml `store:`): artifacts, runs, metadata.db, the embedded registry, deployments/");
    if (data.DeployedUrl is not null)
    {
        yield return $"  {data.Stage + " service",-24} {data.DeployedUrl}  (mlops deployments; stop: mlops deploy stop {data.Model} --stage {data.Stage})";
    }
}
