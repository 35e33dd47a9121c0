using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Toolkit.Cli;
using Toolkit.Docker;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Registry;
using Toolkit.Registry.Embedded;

namespace Toolkit.Deployment.Tests;

/// <summary>Two trained diabetes models and held-out rows, made once for a test class.</summary>
public sealed class TrainedModels : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "toolkit-deploy-models-" + Guid.NewGuid().ToString("N")[..8]);

    public string HeldOut => Path.Combine(Folder, "heldout.csv");

    public string ModelFile(int version) => Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"m{version}.tkm"));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        await DeployProject.MlopsOkAsync(Folder, "data", "synth", "--generator", "diabetes", "--rows", "3000", "--seed", "1", "--out", "train.csv");
        await DeployProject.MlopsOkAsync(Folder, "data", "synth", "--generator", "diabetes", "--rows", "300", "--seed", "2", "--out", "heldout.csv");
        await DeployProject.MlopsOkAsync(Folder, "train", "--data", "train.csv", "--label", "diabetes", "--algorithm", "logistic-regression", "--out", "m1.tkm");
        await DeployProject.MlopsOkAsync(Folder, "train", "--data", "train.csv", "--label", "diabetes", "--algorithm", "gradient-boosting", "--param", "rounds=20", "--seed", "3", "--out", "m2.tkm");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A project folder of its own: models/NAME/model.yaml (a unique model name, so container names never clash with
/// another run on the same daemon; stage ports picked free), an embedded registry holding the trained models as
/// versions 1 and 2 with smoke samples. Disposing it stops every process and container its deployments started.
/// </summary>
public sealed class DeployProject : IAsyncDisposable
{
    private readonly TrainedModels _models;

    private DeployProject(TrainedModels models, string name)
    {
        _models = models;
        Name = name;
        Root = Path.Combine(Path.GetTempPath(), "toolkit-deploy-" + name);
        DevPort = FreePort();
        PreprodPort = FreePort();
        ProdPort = FreePort();
    }

    public string Name { get; }

    public string Root { get; }

    public int DevPort { get; }

    public int PreprodPort { get; }

    public int ProdPort { get; }

    public string PolicyPath => Path.Combine(Root, "models", Name, "model.yaml");

    public string RegistryRoot => Path.Combine(Root, ".toolkit", "registry");

    public string DeploymentsRoot => Path.Combine(Root, ".toolkit", "deployments");

    public Uri DevUrl => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{DevPort}/"));

    public static async Task<DeployProject> CreateAsync(TrainedModels models, string slo = "{ p99_ms: 1000, min_rps: 5, max_error_rate: 0.0 }")
    {
        var project = new DeployProject(models, "dt" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.GetDirectoryName(project.PolicyPath)!);
        await File.WriteAllTextAsync(Path.Combine(project.Root, "toolkit.yaml"), "apiVersion: toolkit/v1\nkind: Project\n");
        await project.WritePolicyAsync(slo);
        await using var registry = await EmbeddedRegistry.OpenAsync(project.RegistryRoot);
        var heldOut = CsvReader.Read(models.HeldOut);
        for (var v = 1; v <= 2; v++)
        {
            var file = models.ModelFile(v);
            await registry.RegisterAsync(new RegisterRequest
            {
                Model = project.Name,
                ModelFile = file,
                RunId = "run-" + v.ToString(CultureInfo.InvariantCulture),
                GatePassed = true,
                GitCommit = "0123456789abcdef0123456789abcdef01234567",
                SmokeSample = SmokeSample.Take(ModelFile.Load(file), heldOut, 20, seed: 5),
            });
        }

        return project;
    }

    /// <summary>Registers <paramref name="file"/> with a smoke sample of <paramref name="sampleOf"/>'s predictions; returns the version.</summary>
    public async Task<int> RegisterWithSampleOfAsync(string file, string sampleOf)
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(RegistryRoot);
        var result = await registry.RegisterAsync(new RegisterRequest
        {
            Model = Name,
            ModelFile = file,
            GatePassed = true,
            SmokeSample = SmokeSample.Take(Toolkit.Models.ModelLoader.Load(sampleOf), CsvReader.Read(_models.HeldOut), 20, seed: 5),
        });
        return result.Version.Version;
    }

    /// <summary>model.yaml with the test's free ports, a one-second load test and <paramref name="slo"/>.</summary>
    public Task WritePolicyAsync(string slo) => File.WriteAllTextAsync(PolicyPath, string.Create(CultureInfo.InvariantCulture, $"""
        apiVersion: toolkit/v1
        kind: Model
        name: {Name}
        task: binary-classification
        primary_metric: auc
        serving:
          ports: {"{"} dev: {DevPort}, preprod: {PreprodPort}, prod: {ProdPort} {"}"}
          slo: {slo}
          load_test: {"{"} duration_s: 1, concurrency: 2, rows: 1 {"}"}

        """));

    /// <summary>Points <paramref name="stage"/> at <paramref name="version"/> (as a promotion would; the gates are not the subject here).</summary>
    public async Task PromoteAsync(int version, string stage = Stages.Dev)
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(RegistryRoot);
        await registry.SetAliasAsync(Name, stage, version, AuditAction.Promote, new AuditInfo("test", null));
    }

    public async Task<IReadOnlyList<AuditEvent>> HistoryAsync()
    {
        await using var registry = await EmbeddedRegistry.OpenAsync(RegistryRoot);
        return await registry.HistoryAsync(Name);
    }

    public Task<CliResult> MlopsAsync(params string[] args) => RunAsync(Root, args);

    public async Task<JsonElement> DeployJsonAsync(params string[] extra)
    {
        var result = await MlopsAsync(["deploy", Name, "--stage", "dev", "--json", .. extra]);
        result.ExitCode.Should().Be(0, result.Error);
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The pids of every live <c>mlops serve</c> of this project's model (its command line names the model).</summary>
    public IReadOnlyList<int> LiveServers() =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && CommandLine(pid) is { } cmd && cmd.Contains(" serve ", StringComparison.Ordinal) && cmd.Contains(" " + Name + " ", StringComparison.Ordinal) && IsAlive(pid))];

    /// <summary>The containers of this project's model on the daemon, any state.</summary>
    public async Task<IReadOnlyList<Toolkit.Docker.Containers.ContainerSummary>> ContainersAsync()
    {
        using var docker = DockerClientOptions.FromEnvironment().CreateClient();
        return await docker.Containers.ListAsync("toolkit.model=" + Name);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pid in LiveServers())
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        try
        {
            using var docker = DockerClientOptions.FromEnvironment().CreateClient();
            foreach (var c in await docker.Containers.ListAsync("toolkit.model=" + Name))
            {
                await docker.Containers.RemoveAsync(c.Id, force: true);
            }

            // By name: removing a tagged image takes its untagged build layers (which carry the labels too) with it.
            foreach (var tag in (await docker.Images.ListAsync("toolkit.model=" + Name)).SelectMany(i => i.RepoTags).Where(t => t.StartsWith("toolkit/model-", StringComparison.Ordinal)))
            {
                await docker.Images.RemoveAsync(tag, force: true, keepParents: true);
            }
        }
        catch (Exception ex) when (ex is DockerNotReachableException or DockerApiException or ArgumentException)
        {
            // No daemon: nothing of ours can be there.
        }

        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    public static async Task<CliResult> RunAsync(string folder, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, folder);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static async Task MlopsOkAsync(string folder, params string[] args)
    {
        var result = await RunAsync(folder, args);
        result.ExitCode.Should().Be(0, result.Error);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? CommandLine(int pid)
    {
        try
        {
            return " " + File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

public sealed record CliResult(int ExitCode, string Output, string Error);
