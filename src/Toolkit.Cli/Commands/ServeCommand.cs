using System.CommandLine;
using System.Globalization;
using Toolkit.Gates;
using Toolkit.Ml.Models;
using Toolkit.Models;
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
        var version = new Option<int?>("--model-version") { Description = "The registered version to serve." }.Within(1, int.MaxValue);
        var port = new Option<int>("--port") { Description = "The port to listen on (0: a free one, printed); with --model, model.yaml serving.port when not given.", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "The address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var maxBatch = new Option<int?>("--max-batch") { Description = "Rows one request may carry, more get 413 (default: model.yaml serving.max_batch, else 1000)." };
        var log = new Option<string?>("--log") { Description = "The prediction log file, JSONL rotated by size (default with --model: <store>/serving/NAME/predictions.jsonl; with --file: none)." };
        var logSample = new Option<double?>("--log-sample") { Description = "The share of request rows logged, 0..1; 0 turns the log off (default: model.yaml serving.prediction_log.sample_rate, else 0.1)." };

        var command = new Command("serve", "Serves a model over HTTP until Ctrl+C/SIGTERM: /v2 (Open Inference Protocol), /invocations (MLflow), /metrics.")
        {
            file, model, stage, version, port, host, maxBatch, log, logSample,
        };
        command.SetAction(async (parse, ct) =>
        {
            var flags = new ServeFlags(
                parse.GetResult(port) is { Implicit: false } ? parse.GetValue(port) : null,
                parse.GetValue(maxBatch),
                parse.GetValue(log) is { } logPath ? context.PathOf(logPath) : null,
                parse.GetValue(logSample));
            var name = parse.GetValue(model);
            var (policy, defaultLog) = Policy(context, parse.GetValue(file) is null ? name : null);
            var options = Options(flags, policy, defaultLog) with { Host = parse.GetValue(host)! };
            var served = await LoadAsync(context, parse.GetValue(file), name, parse.GetValue(stage), parse.GetValue(version), ct);
            ModelServer server;
            try
            {
                server = await ModelServer.StartAsync(served, options, ct);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
            {
                // An address this machine does not have is a SocketException ("Cannot assign requested address").
                throw new UsageException($"cannot listen on {options.Host}:{options.Port}: {ex.Message}");
            }

            await using (server)
            {
                var label = served.Version is { } v ? string.Create(CultureInfo.InvariantCulture, $"{served.Name} v{v}") : served.Name;
                await context.Output.WriteLineAsync($"serving {label} ({served.Digest}) on {server.Url.ToString().TrimEnd('/')}");
                await context.Output.FlushAsync(CancellationToken.None);
                if (options.PredictionLog is { } logged)
                {
                    await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"prediction log: {logged.Path} ({logged.SampleRate:0.###} of rows, rotated at {logged.MaxBytes} bytes, {logged.Files} kept)"));
                }
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

    /// <summary>The flags as given; null where the user left it to model.yaml or the defaults.</summary>
    private sealed record ServeFlags(int? Port, int? MaxBatch, string? Log, double? LogSample);

    /// <summary>
    /// model.yaml's <c>serving:</c> for a registered model (none, or a file without the section: the
    /// defaults; a broken file: the usual exit-2 error), and the model's default log path in the store.
    /// </summary>
    private static (ServingPolicy Policy, string? DefaultLog) Policy(CliContext context, string? name)
    {
        if (name is null)
        {
            return (new ServingPolicy(), null);
        }

        // The name becomes paths (models/NAME/, the store's serving/NAME/): PolicyFile refuses '../x'.
        var settings = ProjectContext.Settings(context);
        var path = RegistryAccess.PolicyFile(settings, name);
        var policy = File.Exists(path) ? ModelPolicy.Load(path).Serving ?? new ServingPolicy() : new ServingPolicy();
        return (policy, Path.Combine(settings.Store, "serving", name, "predictions.jsonl"));
    }

    /// <summary>Flags over model.yaml over defaults.</summary>
    private static ServerOptions Options(ServeFlags flags, ServingPolicy policy, string? defaultLog)
    {
        var port = flags.Port ?? policy.Port;
        if (port is < 0 or > 65535)
        {
            throw new UsageException($"--port {port} is not a port (0-65535)");
        }

        var maxBatch = flags.MaxBatch ?? policy.MaxBatch;
        if (maxBatch < 1)
        {
            throw new UsageException($"--max-batch {maxBatch} must be at least 1");
        }

        var rate = flags.LogSample ?? policy.PredictionLog.SampleRate;
        if (!(rate is >= 0 and <= 1))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--log-sample {rate} must be between 0 and 1"));
        }

        var logPath = flags.Log ?? defaultLog;
        if (logPath is null && flags.LogSample is not null)
        {
            throw new UsageException("--log-sample needs --log PATH when serving --file");
        }

        var log = logPath is null || rate == 0 ? null : new PredictionLogOptions
        {
            Path = logPath,
            SampleRate = rate,
            MaxBytes = policy.PredictionLog.MaxMb * 1024L * 1024,
            Files = policy.PredictionLog.Files,
        };
        return new ServerOptions { Port = port, MaxRows = maxBatch, PredictionLog = log };
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
        var local = Path.Combine(folder, ModelFileNames.Of(record));
        await registry.DownloadModelAsync(name!, record.Version, local, ct);
        var loaded = Load(local);
        if (loaded.Digest != record.Digest)
        {
            throw new UsageException($"{name} v{record.Version}: the downloaded file's digest {loaded.Digest} is not the registry's {record.Digest}; refusing to serve it");
        }

        return new ServedModel { Model = loaded, Name = name!, Version = record.Version };
    }

    private static IScoringModel Load(string path)
    {
        try
        {
            return ModelLoader.Load(path);
        }
        catch (ModelFileException ex)
        {
            throw new UsageException(ex.Message);
        }
    }
}
