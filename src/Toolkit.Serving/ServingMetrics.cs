using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Toolkit.Serving;

/// <summary>
/// The server's Prometheus metrics, kept with interlocked counters (no lock on the request path) and
/// written in the text exposition format: requests by route and status, latency histogram by route,
/// predictions by class (or a histogram of predicted values for regression), and the served model.
/// </summary>
internal sealed class ServingMetrics
{
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly ServedModel _served;
    private readonly ConcurrentDictionary<(string Route, int Status), StrongBox> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _classes = new(StringComparer.Ordinal);
    private readonly Histogram? _values;
    private readonly PredictionLog? _log;
    private long _inFlight;

    public ServingMetrics(ServedModel served, double[]? valueBuckets, PredictionLog? log = null)
    {
        _served = served;
        _log = log;
        _values = served.Model.Classes is null ? new Histogram(valueBuckets ?? [0]) : null;
    }

    /// <summary>A request has begun (its headers are read); <see cref="Request"/> ends it.</summary>
    public void Begin() => Interlocked.Increment(ref _inFlight);

    public void Request(string route, int status, double seconds)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _requests.GetOrAdd((route, status), _ => new StrongBox()).Value);
        _latency.GetOrAdd(route, _ => new Histogram(LatencyBuckets)).Observe(seconds);
    }

    public void Predictions(Toolkit.Ml.Models.Prediction prediction)
    {
        if (prediction.Classes is { } classes)
        {
            foreach (var c in classes)
            {
                Interlocked.Increment(ref _classes.GetOrAdd(c, _ => new StrongBox()).Value);
            }
        }
        else
        {
            foreach (var v in prediction.Scores)
            {
                _values!.Observe(v);
            }
        }
    }

    public string Write()
    {
        var s = new StringBuilder();
        s.Append("# HELP toolkit_model_info The served model (value 1).\n# TYPE toolkit_model_info gauge\n");
        s.Append(CultureInfo.InvariantCulture, $"toolkit_model_info{{model=\"{Escape(_served.Name)}\",version=\"{_served.Version?.ToString(CultureInfo.InvariantCulture) ?? ""}\",digest=\"{Escape(_served.Digest)}\",algorithm=\"{Escape(_served.Model.Algorithm)}\"}} 1\n");

        s.Append("# HELP toolkit_http_requests_in_flight Requests begun and not yet answered (this scrape included).\n# TYPE toolkit_http_requests_in_flight gauge\n");
        s.Append(CultureInfo.InvariantCulture, $"toolkit_http_requests_in_flight {Interlocked.Read(ref _inFlight)}\n");
        s.Append("# HELP toolkit_http_requests_total HTTP requests by route and status code.\n# TYPE toolkit_http_requests_total counter\n");
        foreach (var ((route, status), count) in _requests.OrderBy(p => p.Key.Route, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
        {
            s.Append(CultureInfo.InvariantCulture, $"toolkit_http_requests_total{{route=\"{Escape(route)}\",status=\"{status}\"}} {Interlocked.Read(ref count.Value)}\n");
        }

        s.Append("# HELP toolkit_http_request_duration_seconds Time to answer a request, by route.\n# TYPE toolkit_http_request_duration_seconds histogram\n");
        foreach (var (route, histogram) in _latency.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            histogram.Write(s, "toolkit_http_request_duration_seconds", $"route=\"{Escape(route)}\"");
        }

        if (_values is null)
        {
            s.Append("# HELP toolkit_predictions_total Predictions by predicted class.\n# TYPE toolkit_predictions_total counter\n");
            foreach (var (label, count) in _classes.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                s.Append(CultureInfo.InvariantCulture, $"toolkit_predictions_total{{class=\"{Escape(label)}\"}} {Interlocked.Read(ref count.Value)}\n");
            }
        }
        else
        {
            s.Append("# HELP toolkit_prediction_value Predicted values.\n# TYPE toolkit_prediction_value histogram\n");
            _values.Write(s, "toolkit_prediction_value", null);
        }

        if (_log is not null)
        {
            s.Append("# HELP toolkit_prediction_log_rows_total Request rows written to the prediction log.\n# TYPE toolkit_prediction_log_rows_total counter\n");
            s.Append(CultureInfo.InvariantCulture, $"toolkit_prediction_log_rows_total {_log.Written}\n");
            s.Append("# HELP toolkit_prediction_log_dropped_total Sampled rows dropped because the log writer was behind.\n# TYPE toolkit_prediction_log_dropped_total counter\n");
            s.Append(CultureInfo.InvariantCulture, $"toolkit_prediction_log_dropped_total {_log.Dropped}\n");
        }

        return s.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class StrongBox
    {
        public long Value;
    }

    /// <summary>A cumulative histogram; the sum is kept in a lock-free compare-exchange loop.</summary>
    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private long _count;
        private double _sum;

        public void Observe(double value)
        {
            var i = Array.BinarySearch(bounds, value);
            Interlocked.Increment(ref _counts[i >= 0 ? i : ~i]);
            Interlocked.Increment(ref _count);
            double seen, next;
            do
            {
                seen = Volatile.Read(ref _sum);
                next = seen + value;
            }
            while (Interlocked.CompareExchange(ref _sum, next, seen) != seen);
        }

        public void Write(StringBuilder s, string name, string? labels)
        {
            var prefix = labels is null ? "" : labels + ",";
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += Interlocked.Read(ref _counts[i]);
                s.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"{bounds[i].ToString("R", CultureInfo.InvariantCulture)}\"}} {cumulative}\n");
            }

            var count = Interlocked.Read(ref _count);
            var braces = labels is null ? "" : $"{{{labels}}}";
            s.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{prefix}le=\"+Inf\"}} {count}\n");
            s.Append(CultureInfo.InvariantCulture, $"{name}_sum{braces} {Volatile.Read(ref _sum).ToString("R", CultureInfo.InvariantCulture)}\n");
            s.Append(CultureInfo.InvariantCulture, $"{name}_count{braces} {count}\n");
        }
    }
}
