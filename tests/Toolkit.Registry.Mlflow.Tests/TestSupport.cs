using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;

namespace Toolkit.Registry.Mlflow.Tests;

/// <summary>
/// A clock that never sleeps: every timer fires at once and moves the clock forward by its due time,
/// so retry back-off and READY polling run instantly while the delays they asked for are recorded.
/// </summary>
public sealed class InstantTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _delays = [];
    private DateTimeOffset _now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_gate)
            {
                return [.. _delays];
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new InstantTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Fire(TimeSpan due, TimerCallback callback, object? state)
    {
        lock (_gate)
        {
            _delays.Add(due);
            _now += due;
        }

        ThreadPool.QueueUserWorkItem(_ => callback(state));
    }

    private sealed class InstantTimer(InstantTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                owner.Fire(dueTime, callback, state);
            }

            return true;
        }

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Small real model files made with Toolkit.Ml (ridge regression on a few rows).</summary>
public static class TestModels
{
    /// <summary>Trains on y = a + slope·b and saves the model; different slopes give different files (and digests).</summary>
    public static string Write(string directory, double slope, string fileName = "model.tkm")
    {
        var a = new double[20];
        var b = new double[20];
        var y = new double[20];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = i;
            b[i] = (i * 7) % 5;
            y[i] = a[i] + (slope * b[i]);
        }

        var table = new DataTable([new Float64Column("a", a), new Float64Column("b", b), new Float64Column("y", y)]);
        var model = ModelTrainer.Train(table, new TrainRequest { Algorithm = "ridge", Label = "y" }, new TrainContext { Seed = 1 });
        var path = Path.Combine(directory, fileName);
        ModelFile.Save(model, path);
        return path;
    }
}

/// <summary>A fake server, a registry on it and a temp folder, per test.</summary>
public sealed class MlflowFixture : IAsyncDisposable
{
    public MlflowFixture(string? token = null, int maxRetries = 3)
    {
        Server = new FakeMlflowServer();
        Time = new InstantTimeProvider();
        Options = new MlflowClientOptions
        {
            TrackingUri = Server.BaseUri,
            Token = token,
            MaxRetries = maxRetries,
            RetryBaseDelay = TimeSpan.FromSeconds(1),
            ReadyPollInterval = TimeSpan.FromSeconds(2),
            ReadyTimeout = TimeSpan.FromSeconds(30),
        };
        Client = new MlflowClient(Options, Time);
        Registry = new MlflowRegistry(Client, Time);
        Directory = Path.Combine(Path.GetTempPath(), "tk-mlflow-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public FakeMlflowServer Server { get; }

    public InstantTimeProvider Time { get; }

    public MlflowClientOptions Options { get; }

    public MlflowClient Client { get; }

    public MlflowRegistry Registry { get; }

    public string Directory { get; }

    public string ModelFile(double slope) => TestModels.Write(Directory, slope, $"m{slope.ToString(System.Globalization.CultureInfo.InvariantCulture)}.tkm");

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        Client.Dispose();
        Server.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
