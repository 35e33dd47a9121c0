using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Toolkit.Ml.Trees;

/// <summary>
/// Fork-join loops on a few threads kept for one fit. A boosting fit runs thousands of short
/// parallel steps (a few to a few hundred microseconds each); the workers spin briefly between
/// steps instead of going back to the thread pool, so a step starts on all cores at once and the
/// per-step cost stays small. Which thread runs which index never changes a result: callers give
/// every index its own output.
/// </summary>
internal sealed class WorkCrew : IDisposable
{
    /// <summary>
    /// How long an idle worker spins before it blocks: long enough to cover most serial gaps between
    /// steps, short enough that on a busy machine a worker does not burn the time slice it will
    /// need for its next item (the caller waits for items in progress).
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

    private readonly Worker[] _workers;
    private readonly CancellationToken _token;
    private Job? _job;
    private int _generation;
    private volatile bool _stopping;

    public WorkCrew(int threads, CancellationToken token)
    {
        _token = token;
        _workers = new Worker[Math.Max(0, threads - 1)];
        for (var i = 0; i < _workers.Length; i++)
        {
            var worker = new Worker();
            _workers[i] = worker;
            new Thread(() => Loop(worker)) { IsBackground = true, Name = "gbm worker" }.Start();
        }
    }

    public int Threads => _workers.Length + 1;

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on the calling thread and the workers; returns when all are done.</summary>
    public void For(int count, Action<int> body)
    {
        _token.ThrowIfCancellationRequested();
        if (count <= 1 || _workers.Length == 0)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        var job = new Job(body, count);
        Volatile.Write(ref _job, job);
        Interlocked.Increment(ref _generation);
        foreach (var worker in _workers)
        {
            if (Interlocked.Exchange(ref worker.Sleeping, 0) == 1)
            {
                worker.Wake.Release();
            }
        }

        job.Run();
        var spin = default(SpinWait);
        while (Volatile.Read(ref job.Done) < count)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        if (job.Error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Interlocked.Increment(ref _generation);
        foreach (var worker in _workers)
        {
            if (Interlocked.Exchange(ref worker.Sleeping, 0) == 1)
            {
                worker.Wake.Release();
            }
        }
    }

    private void Loop(Worker worker)
    {
        var seen = 0;
        while (true)
        {
            var deadline = Stopwatch.GetTimestamp() + SpinTicks;
            int generation;
            while ((generation = Volatile.Read(ref _generation)) == seen)
            {
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                    continue;
                }

                // Announce sleep, then look once more: a step published in between is not missed.
                Interlocked.Exchange(ref worker.Sleeping, 1);
                if (Volatile.Read(ref _generation) != seen)
                {
                    if (Interlocked.Exchange(ref worker.Sleeping, 0) == 0)
                    {
                        worker.Wake.Wait(); // The publisher saw us asleep and released once: take it.
                    }

                    continue;
                }

                worker.Wake.Wait();
                deadline = Stopwatch.GetTimestamp() + SpinTicks;
            }

            seen = generation;
            if (_stopping)
            {
                worker.Wake.Dispose();
                return;
            }

            Volatile.Read(ref _job)?.Run();
        }
    }

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping;
    }

    /// <summary>One parallel step: indices are claimed one at a time; a late worker finds none left.</summary>
    private sealed class Job(Action<int> body, int count)
    {
        public int Next;
        public int Done;
        public Exception? Error;

        public void Run()
        {
            int i;
            while ((i = Interlocked.Increment(ref Next) - 1) < count)
            {
                try
                {
                    if (Error is null)
                    {
                        body(i);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Error, e, null);
                }

                Interlocked.Increment(ref Done);
            }
        }
    }
}
