using Toolkit.Gates;

namespace Toolkit.GitHub.Tests;

/// <summary>Gate reports, policies and settings the tests share.</summary>
internal static class TestData
{
    public const string Sha = "0123456789abcdef0123456789abcdef01234567";

    public const string PolicyText = """
        apiVersion: toolkit/v1
        kind: Model
        name: diabetes
        task: binary-classification
        primary_metric: auc
        gates:
          thresholds:
            - "auc >= 0.80"
            - "log_loss <= 0.30"
          regression:
            - { metric: auc, max_drop: 0.01 }
          model: { max_size_mb: 50, signature: compatible }
        """;

    public static ModelPolicy Policy => ModelPolicy.Parse(PolicyText, "models/diabetes/model.yaml");

    public static GateReport Gate(bool aucPasses = true, string model = "diabetes", double auc = 0.874) => new(
        model,
        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "gradient-boosting",
        3,
        "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        [
            new GateCheck { Name = "threshold:auc", Kind = CheckKind.Threshold, Subject = "auc", Value = aucPasses ? auc : 0.71, Op = ">=", Threshold = 0.80, ChampionValue = 0.870, Delta = (aucPasses ? auc : 0.71) - 0.870, Status = aucPasses ? CheckStatus.Passed : CheckStatus.Failed },
            new GateCheck { Name = "threshold:log_loss", Kind = CheckKind.Threshold, Subject = "log_loss", Value = 0.25, Op = "<=", Threshold = 0.30, ChampionValue = 0.26, Delta = -0.01, Status = CheckStatus.Passed },
            new GateCheck { Name = "regression:auc", Kind = CheckKind.Regression, Subject = "auc", Value = aucPasses ? auc : 0.71, Op = "max_drop", Threshold = 0.01, ChampionValue = 0.870, Status = aucPasses ? CheckStatus.Passed : CheckStatus.Failed, Note = aucPasses ? "better than prod" : "worse by 0.1600" },
            new GateCheck { Name = "model:max_size_mb", Kind = CheckKind.Model, Subject = "size_mb", Value = 1.25, Op = "<=", Threshold = 50, Status = CheckStatus.Passed },
            new GateCheck { Name = "model:signature", Kind = CheckKind.Model, Subject = "signature", Op = "compatible", Status = aucPasses ? CheckStatus.Passed : CheckStatus.Failed, Note = aucPasses ? null : "input 'bmi' was dropped; new required input 'waist' that callers of the version in prod do not send" },
        ]);

    public static PullRequestReport Report(bool aucPasses = true, string model = "diabetes", double auc = 0.874) => new()
    {
        Gate = Gate(aucPasses, model, auc),
        Policy = Policy,
        PolicyPath = $"models/{model}/model.yaml",
        RunId = "run-42",
        RunUrl = "https://github.example/acme/models/actions/runs/99",
        Steps =
        [
            new PipelineStepView { Name = "ingest", Outcome = StepOutcome.Cached, Duration = TimeSpan.FromSeconds(0.1) },
            new PipelineStepView { Name = "train", Outcome = StepOutcome.Ran, Duration = TimeSpan.FromSeconds(12.5), DependsOn = ["ingest"] },
            new PipelineStepView { Name = "evaluate", Outcome = aucPasses ? StepOutcome.Ran : StepOutcome.Failed, Duration = TimeSpan.FromSeconds(1.5), DependsOn = ["train", "ingest"] },
        ],
    };

    public static GitHubSettings Settings(Uri apiUrl, string token, string repository = "acme/models", int? pr = 7, Action<Dictionary<string, string>>? edit = null)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GITHUB_TOKEN"] = token,
            ["GITHUB_REPOSITORY"] = repository,
            ["GITHUB_API_URL"] = apiUrl.ToString(),
            ["GITHUB_SHA"] = Sha,
            ["GITHUB_RUN_ID"] = "99",
            ["GITHUB_SERVER_URL"] = "https://github.example",
        };
        edit?.Invoke(env);
        return GitHubSettings.From(name => env.GetValueOrDefault(name), new GitHubOverrides { PullRequest = pr });
    }

    /// <summary>Client options that record the retry waits instead of waiting.</summary>
    public static GitHubClientOptions NoWait(List<TimeSpan> waits, Func<HttpMessageHandler>? transport = null, List<string>? log = null) => new()
    {
        Retry = new GitHubRetryOptions
        {
            Delay = (wait, _) =>
            {
                lock (waits)
                {
                    waits.Add(wait);
                }

                return Task.CompletedTask;
            },
        },
        Transport = transport,
        Log = log is null ? null : line => { lock (log) { log.Add(line); } },
    };
}
