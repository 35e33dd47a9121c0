namespace Toolkit.Serving.LoadTesting;

/// <summary>What a load test sends, to where, for how long: bounded both in time and in request count.</summary>
public sealed record LoadTestOptions
{
    /// <summary>The longest a load test may run; anything longer is a soak test, not a deployment check.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>The service's base address (the test posts to <c>{Url}/invocations</c>).</summary>
    public required Uri Url { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Connections, each with one request in flight at a time.</summary>
    public int Concurrency { get; init; } = 8;

    public int RowsPerRequest { get; init; } = 1;

    /// <summary>The test stops after this many requests even before <see cref="Duration"/>.</summary>
    public long MaxRequests { get; init; } = 10_000_000;

    /// <summary>The input columns of <see cref="Rows"/>; null: rows are built from the service's own metadata.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>Rows to send (values as text, null missing), cycled through; null: built from the service's metadata.</summary>
    public IReadOnlyList<IReadOnlyList<string?>>? Rows { get; init; }

    /// <summary>A CSV file whose rows are sent (the model's columns; others, such as the label, are left out).</summary>
    public string? DataPath { get; init; }

    /// <summary>How long one request may take before it counts as an error.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        if (Url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--url '{Url}' is not an http(s) address");
        }

        if (Duration <= TimeSpan.Zero || Duration > MaxDuration)
        {
            throw new ArgumentException($"--duration must be above 0 and at most {MaxDuration.TotalMinutes:0} minutes, not {Duration}");
        }

        if (Concurrency is < 1 or > 1024)
        {
            throw new ArgumentException($"--concurrency must be between 1 and 1024, not {Concurrency}");
        }

        if (RowsPerRequest is < 1 or > 100_000)
        {
            throw new ArgumentException($"--rows must be between 1 and 100000, not {RowsPerRequest}");
        }

        if (MaxRequests < 1)
        {
            throw new ArgumentException($"--max-requests must be at least 1, not {MaxRequests}");
        }

        if (DataPath is not null && Rows is not null)
        {
            throw new ArgumentException("give the rows to send either as a CSV file or as rows, not both");
        }

        if ((Columns is null) != (Rows is null) || Rows is { Count: 0 })
        {
            throw new ArgumentException("give both the columns and at least one row to send, or neither");
        }

        if (Rows?.FirstOrDefault(r => r.Count != Columns!.Count) is { } bad)
        {
            throw new ArgumentException($"a row has {bad.Count} values for {Columns!.Count} columns");
        }
    }
}

/// <summary>What a load test measured. Latencies are client-side, from sending a request to its last byte.</summary>
public sealed record LoadTestResult
{
    public required long Requests { get; init; }

    /// <summary>Requests that failed: a non-2xx answer, a timeout or a broken connection.</summary>
    public required long Errors { get; init; }

    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    /// <summary>Requests per second over the whole test.</summary>
    public required double Rps { get; init; }

    public required double RowsPerSecond { get; init; }

    public required double P50Ms { get; init; }

    public required double P95Ms { get; init; }

    public required double P99Ms { get; init; }

    public required double MaxMs { get; init; }

    public required double ElapsedSeconds { get; init; }

    public required int Concurrency { get; init; }

    public required int RowsPerRequest { get; init; }

    /// <summary>The first failure, for the message (status and body, or the exception's message).</summary>
    public string? FirstError { get; init; }
}

/// <summary>Where a running load test is (reported about once a second).</summary>
public sealed record LoadTestProgress(TimeSpan Elapsed, long Requests, long Errors);
