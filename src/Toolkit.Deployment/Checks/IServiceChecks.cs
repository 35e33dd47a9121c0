using Toolkit.Gates;

namespace Toolkit.Deployment.Checks;

/// <summary>What a deployment is checked with before its stage counts as deployed.</summary>
internal interface IServiceChecks
{
    /// <summary>The version's stored smoke rows sent to the service, answers compared; null when the version has no sample.</summary>
    Task<SmokeOutcome?> SmokeAsync(Uri serviceUrl, string model, int version, CancellationToken cancellationToken);

    /// <summary>A load test bounded by <paramref name="policy"/> (duration, connections, rows per request).</summary>
    Task<LoadFigures> LoadAsync(Uri serviceUrl, LoadTestPolicy policy, string model, int version, IProgress<string>? progress, CancellationToken cancellationToken);
}

/// <summary>The SLO of model.yaml <c>serving.slo</c> against the load test's figures.</summary>
internal static class SloCheck
{
    /// <summary>Each objective missed, as one phrase (empty: all met; an unset objective is not checked).</summary>
    public static IReadOnlyList<string> Misses(ServiceLevelObjective slo, LoadFigures load)
    {
        ArgumentNullException.ThrowIfNull(slo);
        ArgumentNullException.ThrowIfNull(load);
        var misses = new List<string>();
        var c = System.Globalization.CultureInfo.InvariantCulture;
        if (slo.P99Ms is { } p99 && !(load.P99Ms <= p99))
        {
            misses.Add(string.Create(c, $"p99 {load.P99Ms:0.###} ms > p99_ms {p99:0.###}"));
        }

        if (slo.MinRps is { } rps && !(load.Rps >= rps))
        {
            misses.Add(string.Create(c, $"{load.Rps:0.#} requests/s < min_rps {rps:0.###}"));
        }

        if (slo.MaxErrorRate is { } rate && !(load.ErrorRate <= rate))
        {
            misses.Add(string.Create(c, $"error rate {load.ErrorRate:0.####} ({load.Errors} of {load.Requests}) > max_error_rate {rate:0.####}"));
        }

        return misses;
    }
}
