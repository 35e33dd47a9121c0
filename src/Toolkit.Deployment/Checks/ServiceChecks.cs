using System.Diagnostics;
using System.Globalization;
using Toolkit.Gates;
using Toolkit.Registry;
using Toolkit.Serving.Checks;
using Toolkit.Serving.LoadTesting;

namespace Toolkit.Deployment.Checks;

/// <summary>The checks as they run against a live service: the version's smoke sample from the registry, and the load tester.</summary>
internal sealed class ServiceChecks(IModelRegistry registry) : IServiceChecks
{
    public async Task<SmokeOutcome?> SmokeAsync(Uri serviceUrl, string model, int version, CancellationToken cancellationToken)
    {
        var sample = await registry.GetSmokeSampleAsync(model, version, cancellationToken);
        if (sample is null || sample.Rows.Count == 0)
        {
            return null;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var result = await SmokeTest.RunAsync(http, serviceUrl, sample, cancellationToken);
        IReadOnlyList<string> mismatches = result.Error is { } error ? [error, .. result.Mismatches] : result.Mismatches;
        return new SmokeOutcome(result.Passed, result.Rows, mismatches) { Summary = result.Describe() };
    }

    public async Task<LoadFigures> LoadAsync(Uri serviceUrl, LoadTestPolicy policy, string model, int version, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);

        // Real held-out rows when the version has them; else the load tester makes rows from the service's own metadata.
        var sample = await registry.GetSmokeSampleAsync(model, version, cancellationToken);
        var rows = sample is { Rows.Count: > 0 } ? sample : null;
        LoadTestResult result;
        try
        {
            result = await LoadTester.RunAsync(
                new LoadTestOptions
                {
                    Url = serviceUrl,
                    Duration = TimeSpan.FromSeconds(policy.DurationSeconds),
                    Concurrency = policy.Concurrency,
                    RowsPerRequest = policy.Rows,
                    Columns = rows?.Columns,
                    Rows = rows?.Rows,
                },
                progress is null ? null : new LoadLines(progress),
                cancellationToken);
        }
        catch (LoadTestException ex)
        {
            throw new DeploymentException($"load test of {serviceUrl} failed: {ex.Message}", DeploymentFailureKind.Failed, ex);
        }

        return new LoadFigures
        {
            Requests = result.Requests,
            Errors = result.Errors,
            ErrorRate = result.ErrorRate,
            Rps = result.Rps,
            P50Ms = result.P50Ms,
            P95Ms = result.P95Ms,
            P99Ms = result.P99Ms,
        };
    }

    /// <summary>At most one line a second while the load runs.</summary>
    private sealed class LoadLines(IProgress<string> progress) : IProgress<LoadTestProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _gate = new();
        private TimeSpan _last = TimeSpan.Zero;

        public void Report(LoadTestProgress value)
        {
            // The load tester reports from its workers: one line at a time, at most one a second.
            lock (_gate)
            {
                if (_clock.Elapsed - _last < TimeSpan.FromSeconds(1))
                {
                    return;
                }

                _last = _clock.Elapsed;
                progress.Report(string.Create(CultureInfo.InvariantCulture, $"  {value.Elapsed.TotalSeconds:0} s: {value.Requests} requests, {value.Errors} errors"));
            }
        }
    }
}
