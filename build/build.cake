// The task graph. Each task is a few lines that call `dotnet` or one `mlops` command; the logic
// lives in src/, where it is unit-tested. List the tasks: ./build.sh --target=Tasks
#load "context.cake"
#load "tests.cake"
#load "deploy.cake"
#load "github.cake"

var target = Argument("target", "Default");

Setup<BuildData>(ctx => BuildData.From(ctx));

// A failed main job ends by saying where its outputs are too (the Outputs task does it on success):
// the test results and gate report are what one reads next.
Teardown<BuildData>((ctx, data) =>
{
    if (target == "Default" && !ctx.Successful)
    {
        foreach (var line in OutputLines(data))
        {
            System.Console.WriteLine(line);
        }
    }
});

Task("Clean")
    .Description("Deletes build outputs and artifacts/.")
    .Does<BuildData>((ctx, data) =>
    {
        CleanDirectory(data.Artifacts);
        DotNetClean(data.Solution.FullPath, new DotNetCleanSettings { Configuration = data.Configuration, Verbosity = DotNetVerbosity.Minimal });
    });

Task("Restore")
    .Description("Restores NuGet packages and the .NET tools.")
    .WithCriteria<BuildData>((ctx, data) => !data.PrebuiltMlops, "--mlops=PATH given: using that prebuilt mlops")
    .Does<BuildData>((ctx, data) => DotNetRestore(data.Solution.FullPath));

Task("Build")
    .Description("Builds the solution (warnings are errors); skipped with --mlops=PATH (a prebuilt mlops.dll).")
    .IsDependentOn("Restore")
    .WithCriteria<BuildData>((ctx, data) => !data.PrebuiltMlops, "--mlops=PATH given: using that prebuilt mlops")
    .Does<BuildData>((ctx, data) => DotNetBuild(data.Solution.FullPath, new DotNetBuildSettings
    {
        Configuration = data.Configuration,
        NoRestore = true,
    }));

Task("Check.Workflows")
    .Description("Checks .github/workflows/*.yml with GitHub's own parser (@actions/workflow-parser).")
    .WithCriteria<BuildData>((ctx, data) => data.HasNode || data.FailIfMissing("node and npm", "the workflow check"), "node/npm not installed")
    .Does<BuildData>((ctx, data) =>
    {
        Run(data, "npm", "ci --no-audit --no-fund --silent --prefix .ci/workflow-check");
        Run(data, "node", ".ci/workflow-check/check.mjs .github/workflows");
    });

Task("Test")
    .Description("Runs every test (unit and integration; Docker tests skip with the reason when no daemon runs). TRX and coverage under artifacts/test-results.")
    .IsDependentOn("Build")
    .IsDependentOn("Check.Workflows")
    .Does<BuildData>((ctx, data) => RunTests(ctx, data, null, "all"));

Task("Test.Unit")
    .Description("Runs the unit tests only (no services needed).")
    .IsDependentOn("Build")
    .Does<BuildData>((ctx, data) => RunTests(ctx, data, "FullyQualifiedName!~IntegrationTests", "unit"));

Task("Publish")
    .Description("Publishes mlops ReadyToRun-compiled for this machine's runtime to artifacts/publish/mlops (faster start for short-lived steps).")
    .IsDependentOn("Restore")
    .Does<BuildData>((ctx, data) =>
    {
        // The one publish recipe (Images ships this folder): start empty, so a removed dependency
        // does not linger in the image.
        var output = data.Artifacts.Combine("publish/mlops");
        CleanDirectory(output);
        DotNetPublish("src/Toolkit.Cli", new DotNetPublishSettings
        {
            Configuration = data.Configuration,
            SelfContained = false,
            ArgumentCustomization = args => args.Append("--use-current-runtime"),
            OutputDirectory = output,
            MSBuildSettings = new DotNetMSBuildSettings()
                .WithProperty("PublishReadyToRun", "true")
                .WithProperty("UseAppHost", "false")
                .WithProperty("SatelliteResourceLanguages", "en"),
        });
    });

Task("Test.Integration")
    .Description("Tests against real services: dockerd, a registry on 127.0.0.1 (TOOLKIT_REQUIRE_DOCKER=1 turns 'no daemon' from skipped into failed).")
    .IsDependentOn("Build")
    .Does<BuildData>((ctx, data) => RunTests(ctx, data, "FullyQualifiedName~IntegrationTests", "integration"));

Task("Images.Base")
    .Description("Makes the base image toolkit/base:bookworm locally (debootstrap + docker import); no registry needed.")
    .Does<BuildData>((ctx, data) => Run(data, "bash", "docker/base/make-base.sh"));

Task("Images")
    .Description("Builds the components image (mlops image build --no-publish) from what Publish made; tags from the commit and content, OCI labels.")
    .IsDependentOn("Build")
    .IsDependentOn("Publish")
    .Does<BuildData>((ctx, data) => Mlops(data, "image build --no-publish"));

Task("Images.Push")
    .Description("Pushes the components image to --registry (default 127.0.0.1:5000).")
    .IsDependentOn("Images")
    .Does<BuildData>((ctx, data) => Mlops(data, $"image push {ctx.Argument("registry", "127.0.0.1:5000")}"));

Task("Pipeline")
    .Description("Runs a reference pipeline end to end with mlops (--pipeline=diabetes|housing, --no-cache, --param=name=value repeatable).")
    .IsDependentOn("Build")
    .WithCriteria<BuildData>((ctx, data) => data.ModelVersion == 0 && data.RunId is null, "a --model-version or --run was given: nothing to train")
    .Does<BuildData>((ctx, data) =>
    {
        var parameters = string.Concat(data.PipelineParams.Select(p => $" --param \"{p}\""));
        var run = MlopsJson(data, $"pipeline run pipelines/{data.Pipeline}.yaml --json{(data.NoCache ? " --no-cache" : "")}{parameters}");
        data.RunId = run.GetProperty("run_id").GetString();
        string line = $"pipeline {data.Pipeline}: run {data.RunId} {run.GetProperty("status").GetString()}";
        Information(line);
    });

Task("Gate")
    .Description("Checks the pipeline run's model against models/<model>/model.yaml; fails (exit 3) when a gate fails. Report in artifacts/gate/.")
    .IsDependentOn("Pipeline")
    .WithCriteria<BuildData>((ctx, data) => data.ModelVersion == 0, "promoting a registered --model-version: its gates ran when it was registered")
    .Does<BuildData>((ctx, data) => Mlops(data, $"gate check --model {data.Model} --run {data.RunId} --markdown artifacts/gate/{data.Model}.md"));

Task("Register")
    .Description("Registers the pipeline run's model as a version (idempotent), with lineage and the gate report.")
    .IsDependentOn("Gate")
    .WithCriteria<BuildData>((ctx, data) => data.ModelVersion == 0, "a --model-version was given: already registered")
    .Does<BuildData>((ctx, data) =>
    {
        var registered = MlopsJson(data, $"model register --model {data.Model} --run {data.RunId} --card artifacts/gate/{data.Model}-card.md --json");
        data.ModelVersion = registered.GetProperty("version").GetInt32();
        string line = $"registered {data.Model} v{data.ModelVersion} {registered.GetProperty("digest").GetString()}";
        Information(line);
        if (ctx.EnvironmentVariable("GITHUB_OUTPUT") is { Length: > 0 } outputs)
        {
            System.IO.File.AppendAllText(outputs, $"version={data.ModelVersion}\n"); // for the release workflow's next jobs
        }
    });

Task("Promote")
    .Description("Promotes a version to a stage (--stage=dev|preprod|prod, --model-version=N, else the version Register made; --approver locally, inside GitHub Actions the environment's review; --reason).")
    .IsDependentOn("Register")
    .Does<BuildData>((ctx, data) =>
    {
        // Not WithCriteria: Cake fails a run whose target is skipped, and this skip must let the job pass.
        if (data.Stage != "dev" && data.InGitHubActions && !data.HasMlflow)
        {
            ctx.Warning($"Promote skipped: no MLFLOW_TRACKING_URI secret; each GitHub job has its own embedded registry, so {data.Stage} promotion needs MLflow.");
            return;
        }

        var approver = data.Approver is null ? "" : $" --approved-by {data.Approver}";
        Mlops(data, $"model promote {data.Model} --version {data.ModelVersion} --to {data.Stage}{approver} --reason \"{data.Reason}\"");
        Mlops(data, "model list");
    });

Task("Outputs")
    .Description("Says where the build's outputs are (the main job ends with it).")
    .Does<BuildData>((ctx, data) =>
    {
        foreach (var line in OutputLines(data))
        {
            System.Console.WriteLine(line);
        }
    });

Task("Default")
    .Description("The main job: build, unit tests, the reference pipeline, its gates, registration, promotion to dev, deploy to dev; then where the outputs are.")
    .IsDependentOn("Test")
    .IsDependentOn("Promote")
    .IsDependentOn("Deploy")
    .IsDependentOn("Outputs");

Task("Tasks")
    .Description("Lists every task with its description.")
    .Does(() =>
    {
        foreach (var task in Tasks.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var deps = task.Dependencies.Count == 0 ? "" : $"  (after {string.Join(", ", task.Dependencies.Select(d => d.Name))})";
            string line = $"{task.Name,-18} {task.Description}{deps}";
            Information(line);
        }
    });

RunTarget(target);
