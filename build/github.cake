// GitHub: the pull-request gate (ci.yml's gate job calls it through toolkit-gate.yml; a developer runs the same).
// The report is posted before the gate fails the build, so a failing pull request still says why.

Task("GitHub.Report")
    .Description("Reports the pipeline run to GitHub (mlops github report): the sticky comment, the check run 'toolkit / <model>', the step summary; without GITHUB_TOKEN, artifacts/github/<model>.md and what would have been posted.")
    .IsDependentOn("Pipeline")
    .Does<BuildData>((ctx, data) => Mlops(data, $"github report --model {data.Model} --run {data.RunId}"));

Task("PullRequest")
    .Description("The pull-request gate: the pipeline (--pipeline, --param=rows=N), the report on the pull request, then the gate (exit 3 when it fails; report in artifacts/gate/).")
    .IsDependentOn("GitHub.Report")
    .IsDependentOn("Gate");
