using System.CommandLine;
using System.Globalization;
using Toolkit.Ml.Models;
using Toolkit.Registry;
using Toolkit.Serving;

namespace Toolkit.Cli.Commands;

/// <summary><c>mlops serve</c>: one model as an HTTP prediction service (OIP v2 and MLflow scoring).</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Option<string?>("--file") { Description = "Serve this model file (.tkm); its header checksum is verified." };
        var model = new Option<string?>("--model") { Description = "Serve a registered model (with --stage or --model-version)." };
        var stage = new Option<string?>("--stage") { Description = "The stage whose version to serve (dev, preprod, prod)." };
        var version = new Option<int?>("--model-version") { Description = "The registered version to serve." };
        var port = new Option<int>("--port") { Description = "The port to listen on (0: a free one, printed).", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };

        var command = new Command("serve", "Serves a model over HTTP until Ctrl+C/SIGTERM: /v2 (Open Inference Protocol), /invocations (MLflow), /metrics.")
        {
            file, model, stage, version, port, host,
        };
        command.SetAction(async (parse, ct) =>
        {
            var served = await LoadAsync(context, parse.GetValue(file), parse.GetValue(model), parse.GetValue(stage), parse.GetValue(version), ct);
            var portValue = parse.GetValue(port);
            if (portValue is < 0 or > 65535)
            {
                throw new UsageException($"--port {portValue} is not a port (0-65535)");
            }

            var options = new ServerOptions { Host = parse.GetValue(host)!, Port = portValue };
            ModelServer server;
            try
            {
                server = await ModelServer.StartAsync(served, options, ct);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
            catch (IOException ex)
            {
                throw new UsageException($"cannot listen on {options.Host}:{options.Port}: {ex.Message}");
            }

            await using (server)
            {
                var label = served.Version is { } v ? string.Create(CultureInfo.InvariantCulture, $"{served.Name} v{v}") : served.Name;
                await context.Output.WriteLineAsync($"serving {label} ({served.Digest}) on {server.Url.ToString().TrimEnd('/')}");
                await context.Output.FlushAsync(CancellationToken.None);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C or SIGTERM: stop accepting, let in-flight requests finish.
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await server.StopAsync(grace.Token);
            }

            await context.Error.WriteLineAsync("stopped");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<ServedModel> LoadAsync(CliContext context, string? file, string? name, string? stage, int? version, CancellationToken ct)
    {
        if ((file is null) == (name is null))
        {
            throw new UsageException("give either --file model.tkm or --model NAME (with --stage S or --model-version N)");
        }

        if (file is not null)
        {
            if (stage is not null || version is not null)
            {
                throw new UsageException("--stage and --model-version go with --model, not --file");
            }

            var path = context.PathOf(file);
            return new ServedModel { Model = Load(path), Name = Path.GetFileNameWithoutExtension(path) };
        }

        if ((stage is null) == (version is null))
        {
            throw new UsageException("--model needs exactly one of --stage S or --model-version N");
        }

        if (stage is not null && !Stages.Ordered.Contains(stage))
        {
            throw new UsageException($"unknown stage '{stage}'; stages: {string.Join(", ", Stages.Ordered)}");
        }

        var settings = ProjectContext.Settings(context);
        await using var registry = await RegistryAccess.OpenAsync(settings, ct);
        if (await registry.GetModelAsync(name!, ct) is null)
        {
            throw await RegistryAccess.UnknownModelAsync(registry, name!, ct);
        }

        var record = stage is not null
            ? await registry.GetByAliasAsync(name!, stage, ct)
                ?? throw new RegistryException($"no version of '{name}' holds stage {stage}; see 'mlops model show {name}'")
            : await registry.GetVersionAsync(name!, version!.Value, ct)
                ?? throw new RegistryException(string.Create(CultureInfo.InvariantCulture, $"'{name}' has no version {version}; see 'mlops model show {name}'"));

        var folder = Path.Combine(settings.Store, "serving");
        Directory.CreateDirectory(folder);
        var local = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{name}-v{record.Version}.tkm"));
        await registry.DownloadModelAsync(name!, record.Version, local, ct);
        var loaded = Load(local);
        if (loaded.Digest != record.Digest)
        {
            throw new UsageException($"{name} v{record.Version}: the downloaded file's digest {loaded.Digest} is not the registry's {record.Digest}; refusing to serve it");
        }

        return new ServedModel { Model = loaded, Name = name!, Version = record.Version };
    }

    private static Model Load(string path)
    {
        try
        {
            return ModelFile.Load(path);
        }
        catch (ModelFileException ex)
        {
            throw new UsageException(ex.Message);
        }
    }
}
