using System.CommandLine;
using System.Globalization;
using Toolkit.Gates;
using Toolkit.Ml.Data;
using Toolkit.Ml.Models;
using Toolkit.Models;
using Toolkit.Registry;
using Toolkit.Registry.Promotion;

namespace Toolkit.Cli.Commands;

/// <summary>
/// <c>mlops model register | promote | rollback | list | show | history | card</c>: the registry, with
/// stages as aliases (dev → preprod → prod) and every change in the audit log.
/// </summary>
internal static class ModelRegistryCommands
{
    public static IEnumerable<Command> Create(CliContext context) =>
    [
        CreateRegister(context),
        CreatePromote(context),
        CreateRollback(context),
        CreateList(context),
        CreateShow(context),
        CreateHistory(context),
        CreateCard(context),
    ];

    private static Option<bool> Json() => new("--json") { Description = "Print one JSON object." };

    private static Command CreateRegister(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "The registered model's name (e.g. diabetes).", Required = true };
        var run = new Option<string?>("--run") { Description = "The pipeline run whose model to register (its model, metrics, gate report and lineage)." };
        var file = new Option<string?>("--file") { Description = "Register this model file instead of a run's model (no run lineage)." };
        var actor = new Option<string?>("--actor") { Description = "Who registers (default: GITHUB_ACTOR, else the user)." };
        var card = new Option<string?>("--card") { Description = "Also write the version's model card (Markdown) to this file." };
        var smokeData = new Option<string?>("--smoke-data")
        {
            Description = "With --file: held-out rows (CSV) to take the version's smoke sample from (serving.smoke_rows of them). A run's sample comes from its test split.",
        };
        var flavor = new Option<string?>("--flavor")
        {
            Description = $"With --file: the file's flavor ({string.Join(", ", ModelLoader.Formats.All.Select(f => f.Flavor))}); default: recognised from its bytes, and a contradicting one is refused.",
        };
        var data = new Option<string?>("--data")
        {
            Description = "With --file: labelled held-out rows (CSV); the version's metrics are computed on them and the model's gates applied (needed for a model trained elsewhere).",
        };
        var label = new Option<string?>("--label") { Description = "With --file and --data: the label column of a model trained elsewhere (default: from the model)." };
        var task = new Option<string?>("--task") { Description = "With --file and --data: binary-classification or regression (default: from the model)." };
        var features = new Option<string?>("--features")
        {
            Description = "With --file and --data: for an ONNX graph whose one input is an [N, F] feature tensor, or an ML.NET model whose input is one vector of F values, the F columns that feed it, comma-separated, in order (default: the vector's slot names, else the held-out columns but the label and the other inputs).",
        };
        var json = Json();
        var command = new Command("register", "Registers a pipeline run's model as a new version (the same file again gives the same version).")
        {
            model, run, file, actor, card, smokeData, flavor, data, label, task, features, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = ProjectContext.Settings(context);
            var name = parse.GetValue(model)!;

            // A model exists only with its policy: a typo must not create a model nobody can remove.
            var policyPath = RegistryAccess.PolicyPath(settings, name);
            var policy = ModelPolicy.Load(policyPath);
            var smokeRows = (policy.Serving ?? new ServingPolicy()).SmokeRows;

            // Bad arguments are refused before the registry is opened (and created): nothing is written for them.
            FileRegistration? given = null;
            if (parse.GetValue(run) is null)
            {
                var heldOut = parse.GetValue(data) is { } d ? context.InputFile(d, "--data") : null;
                given = FileRegistration.Prepare(
                    context.InputFile(parse.GetValue(file) ?? throw new UsageException("give --run (a pipeline run) or --file (a model file)."), "--file"),
                    parse.GetValue(flavor),
                    heldOut,
                    parse.GetValue(label),
                    parse.GetValue(task),
                    parse.GetValue(features),
                    Path.Combine(settings.Store, "tmp", "register"),
                    ct);
                if (heldOut is not null)
                {
                    given.Evaluate(heldOut, ct);
                }
            }
            else if (parse.GetValue(flavor) is not null || parse.GetValue(data) is not null || parse.GetValue(label) is not null || parse.GetValue(task) is not null
                || parse.GetValue(features) is not null)
            {
                throw new UsageException("--flavor, --data, --label, --task and --features go with --file; a run's model is evaluated and gated by the run.");
            }

            using var registration = given;

            await using var registry = await RegistryAccess.OpenAsync(settings, ct);
            RegisterRequest request;
            if (parse.GetValue(run) is { } runId)
            {
                if (parse.GetValue(smokeData) is not null)
                {
                    throw new UsageException("--smoke-data goes with --file; a run's smoke sample is taken from its own test split.");
                }

                await using var workspace = await ProjectContext.OpenWorkspaceAsync(settings, ct);
                var found = await RunArtifacts.FindAsync(workspace, runId, ct);

                // "Passed" is this model's policy on the run's reports, judged as 'mlops gate check' judges it,
                // never the run's own gate step (which may have checked another policy, or none).
                var gate = await RunGate.CheckAsync(settings, RunGate.ForRun(policyPath, runId, found), registry, ct);
                if (!gate.Passed)
                {
                    await context.Error.WriteLineAsync(
                        $"mlops: error: '{name}' not registered: run {runId} fails its policy ({Path.GetRelativePath(settings.Root, policyPath)}): {RunGate.FailedChecks(gate)}; see 'mlops gate check --model {name} --run {runId}'");
                    return ExitCodes.GateFailed;
                }

                request = new RegisterRequest
                {
                    Model = name,
                    ModelFile = found.Model.Path,
                    RunId = found.Details.Run.RunId,
                    Pipeline = found.Details.Run.Pipeline,
                    Parameters = found.Parameters,
                    Metrics = found.Metrics,
                    GatePassed = true,
                    GateReport = gate.ToJson(),
                    GitCommit = found.Details.Run.GitCommit,
                    GitBranch = found.Details.Run.GitBranch,
                };
                if (smokeRows > 0 && found.TestDataPath is null)
                {
                    await context.Error.WriteLineAsync($"mlops: warning: run {runId} has no held-out rows (no evaluate or data/split step with a 'test' dataset); '{name}' is registered without a smoke sample");
                }
                else if (smokeRows > 0)
                {
                    request = request with { SmokeSample = TakeSmokeSample(found.Model.Path, found.TestDataPath!, smokeRows, ct) };
                }

                if (found.TrainDataPath is { } trainPath)
                {
                    try
                    {
                        request = request with { ReferenceProfile = ReferenceProfileOf(found.Model.Path, trainPath, found.TestDataPath, policy.Monitoring.ReferenceSample, Toolkit.Monitoring.Live.VersionProfiles.RunSource(runId), ct) };
                    }
                    catch (DataFormatException ex)
                    {
                        // Monitoring needs the profile; registration does not: a run whose rows do not fit is registered without one.
                        await context.Error.WriteLineAsync($"mlops: warning: no reference profile for '{name}' from run {runId}: {ex.Message}; 'mlops monitor' cannot watch this version");
                    }
                }
                else
                {
                    await context.Error.WriteLineAsync($"mlops: warning: run {runId} has no training rows (no data/split step, no trainer with a 'train' dataset); '{name}' is registered without a reference profile, so 'mlops monitor' cannot watch it");
                }
            }
            else if (registration is not null)
            {
                var path = registration.Path;
                var (commit, branch) = ProjectContext.Git(settings.Root);
                request = new RegisterRequest { Model = name, ModelFile = path, GitCommit = commit, GitBranch = branch };
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                if (registration.OriginalDigest is { } original)
                {
                    // The file a team's own tools know, before our metadata went into it.
                    parameters["imported_from"] = original;
                }

                if (registration.ReferenceProfile(policy.Monitoring.ReferenceSample, ct) is { } profile)
                {
                    // The --data rows are all we have of a file's data: monitor compares live rows with them (docs/monitoring.md).
                    request = request with { ReferenceProfile = profile };
                    parameters["profile_source"] = Toolkit.Monitoring.Live.VersionProfiles.HeldOutDataSource;
                }

                if (parameters.Count > 0)
                {
                    request = request with { Parameters = parameters };
                }

                if (registration.Evaluation is { } evaluation)
                {
                    // Judged as 'mlops gate check' judges a run: this policy, the champion in prod, the candidate file.
                    var scratch = Path.Combine(settings.Store, "tmp", "register");
                    Directory.CreateDirectory(scratch);
                    var reportPath = Path.Combine(scratch, "evaluation-" + Guid.NewGuid().ToString("N") + ".json");
                    GateReport gate;
                    try
                    {
                        registration.Report(policy.PrimaryMetric).Save(reportPath);
                        gate = await RunGate.CheckAsync(settings, new Toolkit.Components.Gate.GateCheckRequest
                        {
                            PolicyPath = policyPath,
                            EvaluationReportPath = reportPath,
                            CandidateModelPath = path,
                        }, registry, ct);
                    }
                    finally
                    {
                        File.Delete(reportPath);
                    }

                    if (!gate.Passed)
                    {
                        await context.Error.WriteLineAsync(
                            $"mlops: error: '{name}' not registered: {parse.GetValue(file)} fails its policy ({Path.GetRelativePath(settings.Root, policyPath)}) on {parse.GetValue(data)}: {RunGate.FailedChecks(gate)}");
                        return ExitCodes.GateFailed;
                    }

                    request = request with
                    {
                        Metrics = evaluation.Metrics.Where(m => double.IsFinite(m.Value)).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
                        GatePassed = true,
                        GateReport = gate.ToJson(),
                    };
                }

                var smokeGiven = parse.GetValue(smokeData) ?? parse.GetValue(data);
                if (smokeGiven is not null && context.PathOf(smokeGiven) is var smokePath)
                {
                    if (smokeRows > 0)
                    {
                        request = request with { SmokeSample = TakeSmokeSample(path, smokePath, smokeRows, ct) };
                    }
                    else if (parse.GetValue(smokeData) is not null)
                    {
                        await context.Error.WriteLineAsync(
                            $"mlops: note: serving.smoke_rows is 0 in {Path.GetRelativePath(settings.Root, policyPath)}: no smoke sample is stored, --smoke-data is not read");
                    }
                }
            }
            else
            {
                throw new UsageException("give --run (a pipeline run) or --file (a model file).");
            }

            var result = await registry.RegisterAsync(request with { Actor = RegistryAccess.Actor(parse.GetValue(actor)) }, ct);
            var v = result.Version;
            if (registration is not null && !v.HasProfile)
            {
                await context.Error.WriteLineAsync(result.Created
                    ? $"mlops: note: '{name}' v{v.Version} is registered from a file without --data: no reference profile is stored, so 'mlops monitor' cannot watch this version"
                    : $"mlops: note: '{name}' v{v.Version} holds this file already, registered without a reference profile (a version keeps what it was registered with), so 'mlops monitor' cannot watch it");
            }

            if (parse.GetValue(card) is { } cardGiven && context.PathOf(cardGiven) is var cardPath && await registry.GetModelCardAsync(name, v.Version, ct) is { } markdown)
            {
                await File.WriteAllTextAsync(cardPath, markdown, ct);
            }

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { model = v.Model, version = v.Version, digest = v.Digest, created = result.Created, gate_passed = v.GatePassed, smoke_rows = v.SmokeRows, profile = v.HasProfile, flavor = v.Flavor }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{(result.Created ? "registered" : "already registered:")} {v.Model} v{v.Version} {v.Digest} (run {v.RunId}, gate {Gate(v.GatePassed)}, {registry.Backend} registry)"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreatePromote(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "The registered model." };
        var version = new Option<int>("--version") { Description = "The version to promote.", Required = true }.Within(1, int.MaxValue);
        var to = new Option<string>("--to") { Description = "The stage: dev, preprod or prod.", Required = true };
        to.AcceptOnlyFromAmong([.. Stages.Ordered]);
        var approvedBy = new Option<string[]>("--approved-by") { Description = "Who approved (repeatable); the policy says how many approvals each stage needs.", AllowMultipleArgumentsPerToken = false };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log)." };
        var actor = new Option<string?>("--actor") { Description = "Who promotes (default: GITHUB_ACTOR, else the user)." };
        var json = Json();
        var command = new Command("promote", "Moves a stage to a version: only in order (dev → preprod → prod), only with passed gates and the approvals the policy asks for.")
        {
            model, version, to, approvedBy, reason, actor, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = ProjectContext.Settings(context);
            var name = parse.GetValue(model)!;
            var policy = ModelPolicy.Load(RegistryAccess.PolicyPath(settings, name));
            await using var registry = await RegistryAccess.OpenAsync(settings, ct);
            var service = new PromotionService(registry, RegistryAccess.Promotion(policy));
            var audit = new AuditInfo(RegistryAccess.Actor(parse.GetValue(actor)), parse.GetValue(reason))
            {
                Approvals = [.. parse.GetValue(approvedBy) ?? []],
            };

            // Inside GitHub Actions a stage past dev is approved by the environment's reviewers, as GitHub recorded them.
            if (GitHubApproval.Applies(parse.GetValue(to)!))
            {
                audit = await GitHubApproval.AuditAsync(context, parse, name, parse.GetValue(to)!, audit, ct);
            }

            PromotionResult result;
            try
            {
                result = await service.PromoteAsync(name, parse.GetValue(version), parse.GetValue(to)!, audit, ct);
            }
            catch (PromotionRefusedException ex) when (ex.Reason == PromotionRefusalReason.AlreadyAtStage)
            {
                // Re-running a release (or the local Default target) is not an error: the stage is already where asked.
                result = new PromotionResult(name, parse.GetValue(to)!, parse.GetValue(version), parse.GetValue(version));
                await context.Error.WriteLineAsync($"mlops: {ex.Message}");
            }

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { model = result.Model, stage = result.Stage, version = result.ToVersion, previous_version = result.FromVersion }, ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Model}: {result.Stage} -> v{result.ToVersion}{(result.FromVersion is { } f ? $" (was v{f})" : "")}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRollback(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "The registered model." };
        var stage = new Option<string>("--stage") { Description = "The stage to move back (usually prod).", Required = true };
        stage.AcceptOnlyFromAmong([.. Stages.Ordered]);
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit log)." };
        var actor = new Option<string?>("--actor") { Description = "Who rolls back (default: GITHUB_ACTOR, else the user)." };
        var json = Json();
        var command = new Command("rollback", "Moves a stage back to the version that held it before.") { model, stage, reason, actor, json };
        command.SetAction(async (parse, ct) =>
        {
            var settings = ProjectContext.Settings(context);
            var name = parse.GetValue(model)!;
            var policy = ModelPolicy.Load(RegistryAccess.PolicyPath(settings, name));
            await using var registry = await RegistryAccess.OpenAsync(settings, ct);
            var service = new PromotionService(registry, RegistryAccess.Promotion(policy));
            var result = await service.RollbackAsync(name, parse.GetValue(stage)!, new AuditInfo(RegistryAccess.Actor(parse.GetValue(actor)), parse.GetValue(reason)), ct);

            // A deployed stage serves the version it holds: the previous version is deployed in its place.
            var redeployed = await DeployCommand.RedeployAsync(context, settings, result.Model, result.Stage, RegistryAccess.Actor(parse.GetValue(actor)), ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(
                    context.Output,
                    new
                    {
                        model = result.Model,
                        stage = result.Stage,
                        version = result.ToVersion,
                        previous_version = result.FromVersion,
                        deployment = redeployed is null ? null : DeployCommand.Json(redeployed),
                    },
                    ct);
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{result.Model}: {result.Stage} rolled back v{result.FromVersion} -> v{result.ToVersion}"));
                if (redeployed is not null)
                {
                    await context.Output.WriteLineAsync(DeployCommand.Line(redeployed));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var json = Json();
        var command = new Command("list", "Lists registered models with their latest version and stages.") { json };
        command.SetAction(async (parse, ct) =>
        {
            await using var registry = await RegistryAccess.OpenAsync(ProjectContext.Settings(context), ct);
            var models = await registry.ListModelsAsync(ct);
            if (parse.GetValue(json))
            {
                // A model's flavor is its latest version's (a model may change flavor from one version to the next).
                var flavors = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var m in models)
                {
                    flavors[m.Name] = m.LatestVersion > 0 ? (await registry.GetVersionAsync(m.Name, m.LatestVersion, ct))?.Flavor : null;
                }

                await JsonOutput.WriteAsync(context.Output, new
                {
                    backend = registry.Backend,
                    models = models.Select(m => new { name = m.Name, latest_version = m.LatestVersion, created_at = m.CreatedAt, stages = m.Aliases, flavor = flavors[m.Name] }),
                }, ct);
                return ExitCodes.Ok;
            }

            if (models.Count == 0)
            {
                await context.Output.WriteLineAsync($"no models registered ({registry.Backend} registry)");
            }

            foreach (var m in models)
            {
                var stages = string.Join(", ", Stages.Ordered.Where(m.Aliases.ContainsKey).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s}=v{m.Aliases[s]}")));
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{m.Name,-16} latest v{m.LatestVersion,-4} {stages}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "The registered model." };
        var version = new Option<int?>("--version") { Description = "One version (default: all versions)." }.Within(1, int.MaxValue);
        var json = Json();
        var command = new Command("show", "Shows a model's versions: digest, stages, gate, metrics, lineage.") { model, version, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var registry = await RegistryAccess.OpenAsync(ProjectContext.Settings(context), ct);
            var name = parse.GetValue(model)!;
            var versions = parse.GetValue(version) is { } one
                ? [await registry.GetVersionAsync(name, one, ct) ?? throw new RegistryException($"model '{name}' has no version {one}.")]
                : await registry.ListVersionsAsync(name, ct);
            if (versions.Count == 0)
            {
                throw await RegistryAccess.UnknownModelAsync(registry, name, ct);
            }

            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { model = name, versions = versions.Select(VersionJson) }, ct);
                return ExitCodes.Ok;
            }

            foreach (var v in versions)
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"v{v.Version,-4} {v.Digest}  {(v.Aliases.Count == 0 ? "-" : string.Join(",", v.Aliases)),-12} gate {Gate(v.GatePassed),-7} run {v.RunId ?? "-"}  commit {Short(v.GitCommit)}  {v.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm}Z by {v.CreatedBy ?? "-"}"));
                var metrics = string.Join(", ", v.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key}={m.Value:0.####}")));
                if (metrics.Length > 0)
                {
                    await context.Output.WriteLineAsync("      " + metrics);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateHistory(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "The registered model." };
        var json = Json();
        var command = new Command("history", "The audit log: every register, promote and rollback, with who, when and why.") { model, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var registry = await RegistryAccess.OpenAsync(ProjectContext.Settings(context), ct);
            var name = parse.GetValue(model)!;
            if (await registry.GetModelAsync(name, ct) is null)
            {
                throw await RegistryAccess.UnknownModelAsync(registry, name, ct);
            }

            var events = await registry.HistoryAsync(name, ct);
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new
                {
                    model = name,
                    events = events.Select(e => new
                    {
                        sequence = e.Sequence,
                        action = e.Action.ToString().ToLowerInvariant(),
                        version = e.Version,
                        stage = e.Stage,
                        previous_version = e.PreviousVersion,
                        actor = e.Actor,
                        reason = e.Reason,
                        approvals = e.Approvals,
                        at = e.At,
                    }),
                }, ct);
                return ExitCodes.Ok;
            }

            foreach (var e in events)
            {
                var what = e.Action switch
                {
                    AuditAction.Register => string.Create(CultureInfo.InvariantCulture, $"registered v{e.Version}"),
                    AuditAction.Promote => string.Create(CultureInfo.InvariantCulture, $"promoted v{e.Version} to {e.Stage}{(e.PreviousVersion is { } p ? $" (was v{p})" : "")}"),
                    AuditAction.Deploy => string.Create(CultureInfo.InvariantCulture, $"deployed v{e.Version} to {e.Stage}"),
                    AuditAction.Undeploy => string.Create(CultureInfo.InvariantCulture, $"stopped v{e.Version} in {e.Stage}"),
                    _ => string.Create(CultureInfo.InvariantCulture, $"rolled {e.Stage} back to v{e.Version} (was v{e.PreviousVersion})"),
                };
                var approvals = e.Approvals.Count == 0 ? "" : $" approved by {string.Join(", ", e.Approvals)}";
                await context.Output.WriteLineAsync($"{e.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  {e.Actor,-12} {what}{approvals}{(e.Reason is null ? "" : ": " + e.Reason)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateCard(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "The registered model." };
        var version = new Option<int>("--version") { Description = "The version.", Required = true }.Within(1, int.MaxValue);
        var json = Json();
        var command = new Command("card", "Prints a version's model card (Markdown; with --json, inside one JSON object).") { model, version, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var registry = await RegistryAccess.OpenAsync(ProjectContext.Settings(context), ct);
            var name = parse.GetValue(model)!;
            var number = parse.GetValue(version);
            var v = await registry.GetVersionAsync(name, number, ct)
                ?? throw (await registry.GetModelAsync(name, ct) is null
                    ? await RegistryAccess.UnknownModelAsync(registry, name, ct)
                    : new RegistryException(string.Create(CultureInfo.InvariantCulture, $"model '{name}' has no version {number}.")));
            var card = await registry.GetModelCardAsync(name, number, ct)
                ?? throw new RegistryException(string.Create(CultureInfo.InvariantCulture, $"model '{name}' has no card for version {number}."));
            if (parse.GetValue(json))
            {
                await JsonOutput.WriteAsync(context.Output, new { model = v.Model, version = v.Version, digest = v.Digest, markdown = card, smoke_rows = v.SmokeRows, flavor = v.Flavor }, ct);
            }
            else
            {
                await context.Output.WriteAsync(card);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static object VersionJson(ModelVersion v) => new
    {
        version = v.Version,
        digest = v.Digest,
        flavor = v.Flavor,
        stages = v.Aliases,
        gate_passed = v.GatePassed,
        metrics = v.Metrics,
        parameters = v.Parameters,
        run_id = v.RunId,
        pipeline = v.Pipeline,
        data_digest = v.DataDigest,
        git_commit = v.GitCommit,
        git_branch = v.GitBranch,
        created_by = v.CreatedBy,
        created_at = v.CreatedAt,
        smoke_rows = v.SmokeRows,
        signed = v.Signature is not null,
        signature_key_id = v.Signature?.KeyId,
        profile = v.HasProfile,
    };

    /// <summary>
    /// The version's smoke sample: <paramref name="rows"/> rows of the held-out CSV, read in the model's column
    /// types, chosen by a seed from the model's digest (the same file and rows give the same sample).
    /// </summary>
    private static SmokeSample TakeSmokeSample(string modelPath, string heldOutPath, int rows, CancellationToken ct)
    {
        var model = ModelLoader.Load(modelPath);
        var heldOut = ModelInputs.Read(model, heldOutPath, withLabel: false, ct);
        var seed = int.Parse(model.Digest!.AsSpan("sha256:".Length, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        try
        {
            return SmokeSample.Take(model, heldOut, rows, seed);
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException($"{heldOutPath}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The version's reference profile (docs/monitoring.md): the model's inputs as the training rows hold them and
    /// the model's scores on the held-out rows, both read in the model's column types.
    /// </summary>
    private static string ReferenceProfileOf(string modelPath, string trainPath, string? heldOutPath, int sampleSize, string source, CancellationToken ct)
    {
        var model = ModelLoader.Load(modelPath);
        var training = ModelInputs.Read(model, trainPath, withLabel: false, ct);
        var heldOut = heldOutPath is null ? null : ModelInputs.Read(model, heldOutPath, withLabel: false, ct);
        return Toolkit.Monitoring.Profiles.ProfileJson.Serialize(Toolkit.Monitoring.Live.VersionProfiles.Build(model, training, heldOut, sampleSize, source, ct));
    }

    private static string Gate(bool? passed) => passed switch { true => "passed", false => "failed", null => "none" };

    private static string Short(string? commit) => commit is null ? "-" : commit[..Math.Min(10, commit.Length)];
}
