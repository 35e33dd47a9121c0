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
    public string Model { get; init; }
    public string Stage { get; init; }
    public string Approver { get; init; }
    public string Reason { get; init; }
    public bool InGitHubActions { get; init; }
    public bool HasMlflow { get; init; }

    // Filled as tasks run: the pipeline run and the registered version they pass along.
    public string RunId { get; set; }
    public int Version { get; set; }
    public ICakeContext Context { get; init; }

    public static BuildData From(ISetupContext ctx)
    {
        // Cake starts in build/; every path and process below is relative to the repository root.
        ctx.Environment.WorkingDirectory = ctx.MakeAbsolute(ctx.Directory(".."));
        var artifacts = ctx.MakeAbsolute(ctx.Directory("artifacts"));
        return new BuildData
        {
            Configuration = ctx.Argument("configuration", "Release"),
            Solution = ctx.MakeAbsolute(ctx.File("Toolkit.sln")),
            Artifacts = artifacts,
            TestResults = artifacts.Combine("test-results"),
            IsCI = ctx.EnvironmentVariable("CI") is string ci && ci.Equals("true", StringComparison.OrdinalIgnoreCase),
            HasNode = ctx.Tools.Resolve("node") is not null && ctx.Tools.Resolve("npm") is not null,
            Pipeline = ctx.Argument("pipeline", "diabetes"),
            NoCache = ctx.HasArgument("no-cache"),
            Model = ctx.Argument("model", ctx.Argument("pipeline", "diabetes")),
            Stage = ctx.Argument("stage", "dev"),
            Approver = ctx.Argument<string>("approver", null) ?? (ctx.EnvironmentVariable("GITHUB_ACTOR") is { Length: > 0 } actor ? actor : null),
            Reason = ctx.Argument("reason", "build " + (ctx.EnvironmentVariable("GITHUB_RUN_ID") ?? "local")),
            RunId = ctx.Argument<string>("run", null),
            InGitHubActions = ctx.EnvironmentVariable("GITHUB_ACTIONS") == "true",
            HasMlflow = ctx.EnvironmentVariable("MLFLOW_TRACKING_URI") is { Length: > 0 },
            Version = ctx.Argument("version", 0),
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

// Runs the mlops command built by the Build task (the same binary users and CI run).
public static void Mlops(BuildData data, string arguments)
{
    var dll = data.Context.MakeAbsolute(data.Context.File($"src/Toolkit.Cli/bin/{data.Configuration}/net10.0/mlops.dll"));
    var exit = data.Context.StartProcess("dotnet", new ProcessSettings { Arguments = $"\"{dll.FullPath}\" {arguments}" });
    if (exit != 0)
    {
        throw new CakeException($"'mlops {arguments}' exited with code {exit}.");
    }
}

// Runs mlops with --json and returns the parsed object (stdout captured, stderr passed through).
public static System.Text.Json.JsonElement MlopsJson(BuildData data, string arguments)
{
    var dll = data.Context.MakeAbsolute(data.Context.File($"src/Toolkit.Cli/bin/{data.Configuration}/net10.0/mlops.dll"));
    var exit = data.Context.StartProcess("dotnet", new ProcessSettings
    {
        Arguments = $"\"{dll.FullPath}\" {arguments}",
        RedirectStandardOutput = true,
    }, out var lines);
    var text = string.Join("\n", lines);
    if (exit != 0)
    {
        throw new CakeException($"'mlops {arguments}' exited with code {exit}.");
    }

    return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
}
