using System.CommandLine;
using System.Globalization;
using Toolkit.Gates;
using Toolkit.GitHub;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops github report | approvals | deployment</c>: the pull-request gate's report, release reviews, deployments.</summary>
internal static class GitHubCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("github", "Report to GitHub: the pull request's gate report, environment approvals, deployments.")
        {
            GitHubAccess.Token, GitHubAccess.Repository, GitHubAccess.ApiUrl,
        };
        command.Subcommands.Add(CreateReport(context));
        command.Subcommands.Add(CreateApprovals(context));
        command.Subcommands.Add(CreateDeployment(context));
        return command;
    }

    private static Command CreateReport(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "The model (its policy is models/<model>/model.yaml).", Required = true };
        var run = new Option<string>("--run") { Description = "The pipeline run to report on.", Required = true };
        var pr = new Option<int?>("--pr") { Description = "The pull request (default: the event's, GITHUB_EVENT_PATH)." };
        var sha = new Option<string?>("--sha") { Description = "The commit for the check run (default: the pull request's head, else GITHUB_SHA)." };
        var output = new Option<string?>("--out") { Description = "Without a token: where the report is written (default: artifacts/github/<model>.md)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("report", "Posts the gate report of a run: one sticky comment per model on the pull request, the check run 'toolkit / MODEL' (or a commit status), and the step summary.")
        {
            model, run, pr, sha, output, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var overrides = GitHubAccess.Overrides(parse) with { PullRequest = parse.GetValue(pr), Sha = parse.GetValue(sha) };
            var github = GitHubAccess.Settings(overrides);
            var report = await BuildReportAsync(context, parse.GetValue(model)!, parse.GetValue(run)!, github, ct);
            var markdown = report.ToMarkdown();
            var warnings = new List<string>();
            var summary = await ActionsFiles.AppendSummaryAsync(github, markdown, ct);

            ReportOutcome outcome;
            string? file = null;
            if (github.FromFork)
            {
                // A fork's pull request gets a read-only token: writing would fail, so say why once.
                var warning = "this pull request comes from a fork, whose token is read-only: the report is in the step summary only (no comment, no check run)";
                warnings.Add(warning);
                await GitHubAccess.WarnAsync(context, github, warning);
                outcome = new ReportOutcome { Model = report.Model, Conclusion = report.Conclusion, PullRequest = github.PullRequest, Sha = github.Sha };
            }
            else if (!github.HasToken)
            {
                file = context.PathOf(parse.GetValue(output) ?? Path.Combine(ProjectContext.Settings(context).Root, "artifacts", "github", report.Model + ".md"));
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                await File.WriteAllTextAsync(file, report.ToComment(), ct);
                var where = github.Repository ?? "the repository";
                var comment = github.PullRequest is { } n ? $"the report comment on {where}#{n.ToString(CultureInfo.InvariantCulture)} and " : "";
                await context.Error.WriteLineAsync(
                    $"mlops: no GITHUB_TOKEN, so nothing was posted; would have posted {comment}the check run '{report.CheckName}' ({report.Conclusion}) on {github.Sha ?? "the head commit"}. The report is in {file}");
                outcome = new ReportOutcome { Model = report.Model, Conclusion = report.Conclusion, PullRequest = github.PullRequest, Sha = github.Sha };
            }
            else
            {
                var client = GitHubAccess.Translate(() => GitHubConnection.Create(github, GitHubAccess.Options(context, parse)));
                outcome = await GitHubAccess.TranslateAsync(() => new PullRequestReporter(client, github).PublishAsync(report, ct));
                foreach (var warning in outcome.Warnings)
                {
                    await GitHubAccess.WarnAsync(context, github, warning);
                }

                warnings.AddRange(outcome.Warnings);
            }

            outcome = outcome with { StepSummary = summary, Warnings = warnings };
            await ActionsFiles.WriteOutputsAsync(github, Outputs(outcome), ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    model = outcome.Model,
                    passed = report.Gate.Passed,
                    conclusion = outcome.Conclusion,
                    repository = github.Repository,
                    pull_request = outcome.PullRequest,
                    sha = outcome.Sha,
                    posted = github.HasToken && !github.FromFork,
                    comment = outcome.CommentAction is null ? null : new { action = outcome.CommentAction, id = outcome.CommentId, url = outcome.CommentUrl },
                    check_run = outcome.CheckRunAction is null ? null : new { name = report.CheckName, action = outcome.CheckRunAction, id = outcome.CheckRunId, url = outcome.CheckRunUrl },
                    status = outcome.StatusState is null ? null : new { context = report.CheckName, state = outcome.StatusState },
                    annotations = report.Annotations().Select(a => new { path = a.Path, line = a.Line, message = a.Message }),
                    step_summary = outcome.StepSummary,
                    report_file = file,
                    warnings = outcome.Warnings,
                }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(Describe(report, outcome, github));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateApprovals(CliContext context)
    {
        var runId = new Option<long?>("--run-id") { Description = "The workflow run (default: GITHUB_RUN_ID)." };
        var environment = new Option<string?>("--environment") { Description = "Only reviews of this environment (a stage: dev, preprod, prod)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("approvals", "Shows the environment reviews GitHub recorded for a workflow run: who approved or rejected, where, and what they wrote.")
        {
            runId, environment, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var github = GitHubAccess.Settings(GitHubAccess.Overrides(parse) with { RunId = parse.GetValue(runId) });
            var id = github.RunId ?? throw new UsageException("give --run-id (or run inside Actions, where GITHUB_RUN_ID is set).");
            var reviews = await GitHubAccess.TranslateAsync(() =>
                new GitHubApprovals(github, GitHubAccess.Options(context, parse)).ListAsync(id, parse.GetValue(environment), ct));
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    run_id = id,
                    environment = parse.GetValue(environment),
                    approvals = reviews.Select(r => new { reviewer = r.Reviewer, state = r.State, comment = r.Comment, environments = r.Environments }),
                }, ct);
                return ExitCodes.Ok;
            }

            if (reviews.Count == 0)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"no environment reviews recorded for run {id}"));
            }

            foreach (var r in reviews)
            {
                await context.Output.WriteLineAsync($"{r.Reviewer} {r.State} {string.Join(", ", r.Environments)}{(r.Comment is null ? "" : $": \"{r.Comment}\"")}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateDeployment(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "The registered model.", Required = true };
        var stage = new Option<string>("--stage") { Description = "The stage (the GitHub environment): dev, preprod or prod.", Required = true };
        stage.AcceptOnlyFromAmong([.. Toolkit.Registry.Stages.Ordered]);
        var version = new Option<int>("--model-version") { Description = "The version deployed.", Required = true }.Within(1, int.MaxValue);
        var state = new Option<string>("--state") { Description = "in_progress (creates the deployment), success or failure (on the latest deployment of this version).", Required = true };
        state.AcceptOnlyFromAmong("in_progress", "success", "failure");
        var url = new Option<string?>("--url") { Description = "The service's URL (environment_url)." };
        var sha = new Option<string?>("--sha") { Description = "The commit (default: GITHUB_SHA)." };
        var deploymentId = new Option<long?>("--deployment-id") { Description = "Add the status to this deployment instead of finding it." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("deployment", "Records a stage deploy as a GitHub deployment (environment = stage, payload model/version/digest) and its status.")
        {
            model, stage, version, state, url, sha, deploymentId, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var github = GitHubAccess.Settings(GitHubAccess.Overrides(parse) with { Sha = parse.GetValue(sha) });
            var name = parse.GetValue(model)!;
            var stageName = parse.GetValue(stage)!;
            var number = parse.GetValue(version);
            var progress = parse.GetValue(state) switch
            {
                "in_progress" => DeploymentProgress.InProgress,
                "success" => DeploymentProgress.Success,
                _ => DeploymentProgress.Failure,
            };

            string digest;
            await using (var registry = await RegistryAccess.OpenAsync(ProjectContext.Settings(context), ct))
            {
                digest = (await registry.GetVersionAsync(name, number, ct))?.Digest
                    ?? throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"model '{name}' has no version {number} in the registry; see 'mlops model list'."));
            }

            if (!github.HasToken)
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"mlops: no GITHUB_TOKEN, so nothing was recorded; would have set the {stageName} deployment of {name} v{number} to {parse.GetValue(state)}{(parse.GetValue(url) is { } u ? " at " + u : "")}"));
                return ExitCodes.Ok;
            }

            var deployments = new GitHubDeployments(github, GitHubAccess.Options(context, parse));
            var (deployment, status) = await GitHubAccess.TranslateAsync(async () =>
            {
                GitHubDeployment? target = null;
                if (parse.GetValue(deploymentId) is { } id)
                {
                    target = new GitHubDeployment(id, stageName, github.Sha ?? "", null);
                }
                else if (progress != DeploymentProgress.InProgress)
                {
                    target = await deployments.FindLatestAsync(name, stageName, number, ct);
                }

                target ??= await deployments.CreateAsync(new DeploymentRequest { Model = name, Version = number, Digest = digest, Stage = stageName }, ct);
                var recorded = await deployments.SetStatusAsync(target.Id, progress, parse.GetValue(url), null, ct);
                return (target, recorded);
            });
            await ActionsFiles.WriteOutputsAsync(github, [new("deployment_id", deployment.Id.ToString(CultureInfo.InvariantCulture))], ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    model = name,
                    stage = stageName,
                    version = number,
                    digest,
                    deployment_id = deployment.Id,
                    status_id = status.Id,
                    state = status.State,
                    environment_url = status.EnvironmentUrl,
                }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{name} v{number} → {stageName}: deployment {deployment.Id} {status.State}{(status.EnvironmentUrl is { } e ? " at " + e : "")}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The report of <paramref name="runId"/>: the gate judged the one way the CLI judges a run (<see cref="RunGate"/>).</summary>
    internal static async Task<PullRequestReport> BuildReportAsync(CliContext context, string model, string runId, GitHubSettings github, CancellationToken ct)
    {
        var settings = ProjectContext.Settings(context);
        var policyPath = RegistryAccess.PolicyPath(settings, model);
        await using var workspace = await ProjectContext.OpenWorkspaceAsync(settings, ct);
        var found = await RunArtifacts.FindAsync(workspace, runId, ct);
        var request = RunGate.ForRun(policyPath, runId, found);
        GateReport gate;
        IReadOnlyDictionary<string, double> prodMetrics;
        await using (var registry = await RegistryAccess.OpenAsync(settings, ct))
        {
            gate = await RunGate.CheckAsync(settings, request, registry, ct);
            prodMetrics = (await registry.GetByAliasAsync(model, Toolkit.Registry.Stages.Prod, ct))?.Metrics ?? new Dictionary<string, double>();
        }

        // What the evaluation reported for the candidate the gate judged, beside what the registry holds for prod.
        var evaluated = EvaluationReport.Load(request.EvaluationReportPath).Candidate(gate.CandidateDigest);
        var metrics = evaluated.Metrics
            .Select(m => new MetricRow(m.Key, m.Value, prodMetrics.TryGetValue(m.Key, out var p) ? p : null))
            .ToList();

        return new PullRequestReport
        {
            Gate = gate,
            Policy = ModelPolicy.Load(policyPath),
            PolicyPath = RepositoryPath(settings.Root, policyPath),
            RunId = runId,
            Steps = Steps(found.Details),
            Metrics = metrics,
            RunUrl = github.RunUrl,
        };
    }

    /// <summary>
    /// The run's steps (in the order they started), each depending on the steps whose outputs it read. Where
    /// several steps output the same artifact (select/best passes a trainer's model on), the latest one before
    /// the reader is the one it read from.
    /// </summary>
    internal static IReadOnlyList<PipelineStepView> Steps(RunDetails details)
    {
        var order = details.Steps.Select((s, i) => (s.Step, i)).ToDictionary(x => x.Step, x => x.i, StringComparer.Ordinal);
        string? ProducerOf(string digest, int before) => details.Outputs
            .Where(o => o.Digest == digest && order.TryGetValue(o.Step, out var at) && at < before)
            .MaxBy(o => order[o.Step])?.Step;
        return [.. details.Steps.Select((s, index) => new PipelineStepView
        {
            Name = s.Step,
            Outcome = s.Status switch
            {
                StepStatus.Cached => StepOutcome.Cached,
                StepStatus.Succeeded when s.Cached => StepOutcome.Cached,
                StepStatus.Succeeded => StepOutcome.Ran,
                StepStatus.Failed or StepStatus.Cancelled => StepOutcome.Failed,
                _ => StepOutcome.Skipped,
            },
            Duration = s.StartedAt is { } start && s.FinishedAt is { } end ? end - start : null,
            DependsOn = [.. details.Inputs.Where(i => i.Step == s.Step)
                .Select(i => ProducerOf(i.Digest, index))
                .OfType<string>().Distinct(StringComparer.Ordinal)],
        })];
    }

    /// <summary>The policy's path as GitHub names files: relative to the repository root (the git checkout, else the project).</summary>
    internal static string RepositoryPath(string projectRoot, string path)
    {
        var root = projectRoot;
        for (var dir = new DirectoryInfo(projectRoot); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                root = dir.FullName;
                break;
            }
        }

        return Path.GetRelativePath(root, path).Replace('\\', '/');
    }

    private static IEnumerable<KeyValuePair<string, string>> Outputs(ReportOutcome outcome)
    {
        yield return new("conclusion", outcome.Conclusion);
        if (outcome.CommentUrl is { } comment)
        {
            yield return new("comment_url", comment);
        }

        if (outcome.CheckRunId is { } check)
        {
            yield return new("check_run_id", check.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string Describe(PullRequestReport report, ReportOutcome outcome, GitHubSettings github)
    {
        var parts = new List<string>();
        if (outcome.CommentAction is { } c)
        {
            parts.Add($"comment {c} ({outcome.CommentUrl})");
        }

        if (outcome.CheckRunAction is { } r)
        {
            parts.Add($"check run '{report.CheckName}' {r}");
        }

        if (outcome.StatusState is { } s)
        {
            parts.Add($"status '{report.CheckName}' {s}");
        }

        if (outcome.StepSummary)
        {
            parts.Add("step summary written");
        }

        var where = github.Repository is { } repo ? $" on {repo}" : "";
        return $"{report.Title}{where}: {(parts.Count == 0 ? "nothing posted" : string.Join(", ", parts))}";
    }
}
