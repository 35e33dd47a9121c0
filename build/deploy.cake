// The Deploy task: the version holding --stage runs as a prediction service (mlops deploy), checked by its
// smoke rows and a load test against models/<model>/model.yaml serving.slo before the stage counts as deployed.
// Loaded by build.cake; Default ends with a deploy to dev.

Task("Deploy")
    .Description("Deploys the version holding --stage (default dev; --model-version=N must hold it) as a service on the stage's port: docker when a daemon answers, else a background process (--deploy-target=docker|process). A missed SLO fails it (exit 3).")
    .IsDependentOn("Build")
    .Does<BuildData>((ctx, data) =>
    {
        // Like Promote: in GitHub Actions each job's embedded registry is empty, so past dev only MLflow has the version.
        if (data.Stage != "dev" && data.InGitHubActions && !data.HasMlflow)
        {
            ctx.Warning($"Deploy skipped: no MLFLOW_TRACKING_URI secret; each GitHub job has its own embedded registry, so a {data.Stage} deployment needs MLflow.");
            return;
        }

        var version = data.ModelVersion > 0 ? $" --model-version {data.ModelVersion}" : "";
        var deployTarget = ctx.Argument<string>("deploy-target", null);
        var target = deployTarget is null ? "" : $" --target {deployTarget}";
        var deployed = MlopsJson(data, $"deploy {data.Model} --stage {data.Stage}{version}{target} --json");
        data.DeployedUrl = deployed.GetProperty("url").GetString();
        var smoke = deployed.GetProperty("smoke");
        var load = deployed.GetProperty("load");
        string line = $"deployed {data.Model} v{deployed.GetProperty("version").GetInt32()} to {data.Stage} ({deployed.GetProperty("target").GetString()}): {data.DeployedUrl}; "
            + $"smoke {(smoke.GetProperty("skipped").GetBoolean() ? "skipped" : smoke.GetProperty("rows").GetInt32() + " rows")}, "
            + $"load {load.GetProperty("rps").GetDouble():0} req/s, p99 {load.GetProperty("p99_ms").GetDouble():0.##} ms";
        Information(line);

        var folder = data.Artifacts.Combine("deploy");
        ctx.EnsureDirectoryExists(folder);
        System.IO.File.WriteAllText(folder.CombineWithFilePath($"{data.Model}-{data.Stage}.json").FullPath, deployed.ToString());
        if (ctx.EnvironmentVariable("GITHUB_OUTPUT") is { Length: > 0 } outputs)
        {
            System.IO.File.AppendAllText(outputs, $"url={data.DeployedUrl}\n");
        }
    });
