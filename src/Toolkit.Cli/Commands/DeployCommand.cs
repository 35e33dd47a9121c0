using System.CommandLine;
using System.Globalization;
using Toolkit.Deployment;
using Toolkit.Registry;

namespace Toolkit.Cli.Commands;

/// <summary>
/// <c>mlops deploy NAME --stage S</c>: the version holding the stage as a running, checked service (a container, or a
/// background process without Docker); <c>mlops deploy stop</c>; <c>mlops deployments</c>: what runs where.
/// </summary>
internal static class DeployCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "The registered model (models/NAME/model.yaml)." };
        var stage = StageOption();
        var version = new Option<int?>("--model-version") { Description = "The version to deploy; it must hold the stage (default: the one that does)." }.Within(1, int.MaxValue);
        var target = new Option<string?>("--target") { Description = "docker or process (default: docker when a daemon answers, else process)." };
        target.AcceptOnlyFromAmong(DeploymentTargets.Docker, DeploymentTargets.Process);
        var actor = new Option<string?>("--actor") { Description = "Who deploys (default: GITHUB_ACTOR, else the user)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command(
            "deploy",
            "Deploys the version holding a stage as a prediction service on the stage's port: started beside the old one, ready, smoke- and load-tested against the SLO, then swapped in.")
        {
            model, stage, version, target, actor, json,
        };
        command.Subcommands.Add(CreateStop(context));
        command.SetAction(async (parse, ct) =>
        {
            var settings = ProjectContext.Settings(context);
            var name = parse.GetValue(model)!;
            _ = RegistryAccess.PolicyFile(settings, name); // a name that is no model name is refused before anything is opened or created
            await using var access = await DeployAccess.OpenAsync(settings, ct, GitHubDeploymentNotifier.ForEnvironment(context));
            var serving = access.Serving(name);
            var kind = parse.GetValue(target) is { } given ? DeploymentTargets.Parse(given) : await DeployAccess.DefaultTargetAsync(settings.BaseImage, context.Error, ct);
            var record = await DeployAsync(
                context,
                access,
                new DeployRequest
                {
                    Model = name,
                    Stage = parse.GetValue(stage)!,
                    Version = parse.GetValue(version),
                    Target = kind,
                    Serving = serving,
                    Actor = RegistryAccess.Actor(parse.GetValue(actor)),
                },
                ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, Json(record), ct);
            }
            else
            {
                await context.Output.WriteLineAsync(Line(record));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateDeployments(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("deployments", "Lists each stage's deployment: version, target, URL, and whether it still runs.") { json };
        command.SetAction(async (parse, ct) =>
        {
            await using var access = await DeployAccess.OpenAsync(ProjectContext.Settings(context), ct);
            var states = await access.Service.ListAsync(ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(
                    context.Output,
                    new { deployments = states.Select(s => Json(s.Record) with { Status = s.Running ? "running" : "stopped" }) },
                    ct);
                return ExitCodes.Ok;
            }

            if (states.Count == 0)
            {
                await context.Output.WriteLineAsync("no deployments (mlops deploy NAME --stage dev)");
            }

            foreach (var s in states)
            {
                var r = s.Record;
                var where = r.Target == DeploymentTarget.Docker ? r.Image : string.Create(CultureInfo.InvariantCulture, $"pid {r.Pid}");
                await context.Output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{r.Model,-14} {r.Stage,-8} v{r.Version,-4} {(s.Running ? "running" : "stopped"),-8} {DeploymentTargets.Name(r.Target),-8} {r.Url}  {where}  {r.DeployedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z by {r.DeployedBy}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Runs a deploy with progress on stderr; a refused or failed deploy becomes the matching exit code.</summary>
    internal static async Task<DeploymentRecord> DeployAsync(CliContext context, DeployAccess access, DeployRequest request, CancellationToken ct)
    {
        try
        {
            return await access.Service.DeployAsync(request, new Lines(context.Error), ct);
        }
        catch (DeploymentException ex)
        {
            throw ex.Kind switch
            {
                DeploymentFailureKind.BadInput => new UsageException(ex.Message, ex),
                DeploymentFailureKind.SloMissed => new CommandFailedException(ex.Message, ExitCodes.GateFailed),
                _ => new CommandFailedException(ex.Message),
            };
        }
        catch (Toolkit.Docker.DockerNotReachableException ex)
        {
            throw new CommandFailedException($"{ex.Message} (deploy with --target process where there is no Docker)");
        }
    }

    /// <summary>
    /// After a rollback: when the stage has a recorded deployment, deploys the version that now holds it, on the same
    /// target; null when the stage is not deployed. A failed redeploy fails the command (the alias has moved; the old
    /// service keeps running, and the message says so).
    /// </summary>
    internal static async Task<DeploymentRecord?> RedeployAsync(CliContext context, Toolkit.Pipelines.Project.ProjectSettings settings, string model, string stage, string actor, CancellationToken ct)
    {
        await using var access = await DeployAccess.OpenAsync(settings, ct, GitHubDeploymentNotifier.ForEnvironment(context));
        if (await access.Store.ActiveAsync(model, stage, ct) is not { } active)
        {
            return null;
        }

        await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{stage} is deployed ({DeploymentTargets.Name(active.Target)}, v{active.Version}): deploying the version it holds now"));
        return await DeployAsync(
            context,
            access,
            new DeployRequest { Model = model, Stage = stage, Target = active.Target, Serving = access.Serving(model), Actor = actor },
            ct);
    }

    internal static string Line(DeploymentRecord r) => string.Create(
        CultureInfo.InvariantCulture,
        $"deployed {r.Model} v{r.Version} to {r.Stage}: {r.Url} ({(r.Target == DeploymentTarget.Docker ? "container " + Toolkit.Deployment.Targets.DockerTarget.ContainerName($"{r.Model}-{r.Stage}") + ", " + r.Image : "process " + r.Pid)})");

    internal static DeploymentJson Json(DeploymentRecord r) => new()
    {
        Model = r.Model,
        Version = r.Version,
        Stage = r.Stage,
        Target = DeploymentTargets.Name(r.Target),
        Url = r.Url,
        Image = r.Image,
        ImageDigest = r.ImageDigest,
        Container = r.Target == DeploymentTarget.Docker ? Toolkit.Deployment.Targets.DockerTarget.ContainerName($"{r.Model}-{r.Stage}") : null,
        ContainerId = r.ContainerId,
        Pid = r.Pid,
        Port = r.Port,
        Digest = r.Digest,
        DeployedAt = r.DeployedAt,
        DeployedBy = r.DeployedBy,
        Status = r.Status,
        Smoke = new SmokeJson { Passed = r.Smoke?.Passed, Rows = r.Smoke?.Rows ?? 0, Skipped = r.Smoke is null },
        Load = r.Load is { } l
            ? new LoadJson
            {
                Rps = l.Rps,
                P50Ms = l.P50Ms,
                P95Ms = l.P95Ms,
                P99Ms = l.P99Ms,
                Errors = l.Errors,
                Requests = l.Requests,
                ErrorRate = l.ErrorRate,
            }
            : null,
    };

    private static Option<string> StageOption()
    {
        var stage = new Option<string>("--stage") { Description = "The stage (dev, preprod, prod).", Required = true };
        stage.AcceptOnlyFromAmong([.. Stages.Ordered]);
        return stage;
    }

    private static Command CreateStop(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "The model." };
        var stage = StageOption();
        var actor = new Option<string?>("--actor") { Description = "Who stops it (default: GITHUB_ACTOR, else the user)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("stop", "Stops a stage's deployment (container or process) and records it stopped.") { model, stage, actor, json };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(model)!;
            var stageName = parse.GetValue(stage)!;
            await using var access = await DeployAccess.OpenAsync(ProjectContext.Settings(context), ct);
            var stopped = await access.Service.StopAsync(name, stageName, RegistryAccess.Actor(parse.GetValue(actor)), ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { model = name, stage = stageName, stopped = stopped is not null, version = stopped?.Version }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(stopped is null
                    ? $"no deployment of {name} in {stageName}: nothing to stop"
                    : string.Create(CultureInfo.InvariantCulture, $"stopped {name} v{stopped.Version} in {stageName} ({stopped.Url})"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Progress lines on stderr, written at once and in order.</summary>
    private sealed class Lines(TextWriter writer) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine(value);
    }

    /// <summary>The <c>--json</c> shape of a deployment (snake_case, a public interface).</summary>
    internal sealed record DeploymentJson
    {
        [System.Text.Json.Serialization.JsonPropertyName("model")]
        public required string Model { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("version")]
        public required int Version { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("stage")]
        public required string Stage { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("target")]
        public required string Target { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("url")]
        public required string Url { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("image")]
        public string? Image { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("image_digest")]
        public string? ImageDigest { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("container")]
        public string? Container { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("container_id")]
        public string? ContainerId { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("pid")]
        public int? Pid { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("port")]
        public int Port { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("digest")]
        public required string Digest { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("deployed_at")]
        public DateTimeOffset DeployedAt { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("deployed_by")]
        public required string DeployedBy { get; init; }

        /// <summary>The record's state (active); <c>deployments</c> says running or stopped.</summary>
        [System.Text.Json.Serialization.JsonPropertyName("status")]
        public required string Status { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("smoke")]
        public required SmokeJson Smoke { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("load")]
        public LoadJson? Load { get; init; }
    }

    internal sealed record SmokeJson
    {
        [System.Text.Json.Serialization.JsonPropertyName("passed")]
        public bool? Passed { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("rows")]
        public int Rows { get; init; }

        /// <summary>True when the version has no stored smoke rows.</summary>
        [System.Text.Json.Serialization.JsonPropertyName("skipped")]
        public bool Skipped { get; init; }
    }

    internal sealed record LoadJson
    {
        [System.Text.Json.Serialization.JsonPropertyName("rps")]
        public double Rps { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("p50_ms")]
        public double P50Ms { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("p95_ms")]
        public double P95Ms { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("p99_ms")]
        public double P99Ms { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("errors")]
        public long Errors { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("requests")]
        public long Requests { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("error_rate")]
        public double ErrorRate { get; init; }
    }
}
