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

times.Sort();
double At(double q) => times[(int)Math.Min(times.Count - 1, Math.Round(q * (times.Count - 1)))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"create → start → logs → wait → remove, {runs} runs: median {At(0.5):0} ms, p10 {At(0.1):0} ms, p90 {At(0.9):0} ms"));
