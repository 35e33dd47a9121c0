using System.Diagnostics;
using System.Globalization;
using Toolkit.Docker;
using Toolkit.Docker.Containers;

// The per-step cost of the Docker executor without the step itself: what DockerExecutor does around
// a command (create → start → follow logs → wait → remove), here for /bin/true in the base image.
// Usage: dotnet run --project benchmarks/ContainerBench -c Release -- [runs=30] [image=toolkit/base:bookworm]
var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
var image = args.Length > 1 ? args[1] : "toolkit/base:bookworm";
using var docker = DockerClientOptions.FromEnvironment().CreateClient();
await docker.System.PingAsync();
Console.WriteLine($"Docker {(await docker.System.GetVersionAsync()).Version}, API {await docker.System.GetApiVersionAsync()}");

var request = new ContainerCreateRequest
{
    Image = image,
    Entrypoint = ["/bin/true"],
    NetworkMode = "none",
    Labels = new Dictionary<string, string> { ["io.toolkit.bench"] = "containers" },
};

async Task<double> OnceAsync()
{
    var watch = Stopwatch.StartNew();
    var id = await docker.Containers.CreateAsync(request);
    try
    {
        await docker.Containers.StartAsync(id);
        var logs = docker.Containers.FollowLogsAsync(id, TextWriter.Null, TextWriter.Null);
        var exit = await docker.Containers.WaitAsync(id);
        await logs;
        if (exit != 0)
        {
            throw new InvalidOperationException($"/bin/true exited with {exit}");
        }
    }
    finally
    {
        await docker.Containers.RemoveAsync(id, force: true);
    }

    return watch.Elapsed.TotalMilliseconds;
}

for (var i = 0; i < 3; i++)
{
    await OnceAsync(); // warm-up: connection, JIT
}

var times = new List<double>();
for (var i = 0; i < runs; i++)
{
    times.Add(await OnceAsync());
}

// The client's own share: one short request (image inspect), the call the executor makes per image.
var calls = new List<double>();
for (var i = 0; i < 10 * runs; i++)
{
    var watch = Stopwatch.StartNew();
    await docker.Images.InspectAsync(image);
    calls.Add(watch.Elapsed.TotalMilliseconds);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"create → start → logs → wait → remove, {runs} runs: median {At(times, 0.5):0} ms, p10 {At(times, 0.1):0} ms, p90 {At(times, 0.9):0} ms"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"image inspect, {calls.Count} calls: median {At(calls, 0.5):0.00} ms, p90 {At(calls, 0.9):0.00} ms"));

static double At(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(q * (sorted.Count - 1)))];
}
