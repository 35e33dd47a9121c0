using System.Text.Json;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Execution;

/// <summary>A step's outputs found in the cache.</summary>
internal sealed record CachedOutputs(
    IReadOnlyDictionary<string, string> Outputs,
    IReadOnlyDictionary<string, double> Values,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// A step made concrete against the results so far: skipped (its <c>when</c> is false), or its
/// component, parameters, input digests (host-made inputs included), cache key and cache entry.
/// </summary>
internal sealed record ResolvedStep
{
    public required StepSpec Step { get; init; }

    /// <summary>Why the step is skipped; null when it is not.</summary>
    public string? SkipReason { get; init; }

    public IComponent? Component { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, IReadOnlyList<string>> InputDigests { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public string CacheKey { get; init; } = "";

    /// <summary>The cache entry for <see cref="CacheKey"/>; null when not cached or the cache is off for the step.</summary>
    public CachedOutputs? Cached { get; init; }

    public bool UsesCache { get; init; }
}

/// <summary>
/// The one place a step is resolved, for <c>plan</c> and <c>run</c> alike: its condition, parameters,
/// input digests, the command as the cache key sees it, outside data, the executor's identity, the
/// cache key and the cache lookup. A plan and a run that agree on inputs agree on every key.
/// </summary>
internal sealed class StepResolver(Workspace workspace, IComponentCatalog catalog, IStepExecutor executor)
{
    /// <summary>Scalar values are cached as a JSON artifact under this reserved output name.</summary>
    internal const string ValuesOutput = "_values";

    /// <summary>Resolves <paramref name="step"/>; <paramref name="store"/>: put host-made inputs into the artifact store (a run), where a plan only needs their digests.</summary>
    public async Task<ResolvedStep> ResolveAsync(RunState state, StepSpec step, bool store, CancellationToken cancellationToken)
    {
        if (step.When is { } when && !Template.Parse(WhenExpression.Wrap(when.Text)).Evaluate(r => StepExpressions.Resolve(state, r)).IsTruthy)
        {
            return new ResolvedStep { Step = step, SkipReason = $"condition is false: {when.Text}" };
        }

        IComponent? component = null;
        if (step.Uses is not null && !catalog.TryGet(step.Uses, out component))
        {
            throw new StepFailedException($"unknown component '{step.Uses}'");
        }

        var parameters = StepExpressions.ResolveWith(state, step, component?.Descriptor);
        var inputDigests = step.Inputs.ToDictionary(
            i => i.Key,
            i => (IReadOnlyList<string>)[.. i.Value.Select(r => state.Results.TryGetValue(r.Step, out var upstream) && upstream.Outputs.TryGetValue(r.Output, out var d)
                ? d
                : throw new StepFailedException($"input '{i.Key}': step '{r.Step}' produced no output '{r.Output}'"))],
            StringComparer.Ordinal);
        if (component is IHostInputs host)
        {
            foreach (var (name, content) in await host.HostInputsAsync(parameters, state.ProjectDirectory, cancellationToken))
            {
                inputDigests[name] = [await DigestAsync(component, name, content, store, cancellationToken)];
            }
        }

        var keyCommand = step.Run is null
            ? null
            : StepExpressions.RenderCommand(state, step, n => string.Join(' ', inputDigests.TryGetValue(n, out var ds) ? ds : []), n => "<output:" + n + ">");
        var external = component is IExternalInputs outside
            ? await outside.ExternalDigestAsync(parameters, state.ProjectDirectory, cancellationToken)
            : null;
        var identity = await executor.CacheIdentityAsync(step, cancellationToken);
        var key = CacheKeys.Of(step, component?.Descriptor, parameters, inputDigests, keyCommand, external, identity);
        var useCache = step.Cache && !state.Options.NoCache;
        var cached = useCache ? await workspace.Metadata.TryGetCacheAsync(key, workspace.Artifacts, cancellationToken) : null;
        return new ResolvedStep
        {
            Step = step,
            Component = component,
            Parameters = parameters,
            InputDigests = inputDigests,
            CacheKey = key,
            UsesCache = useCache,
            Cached = cached is null ? null : await ReadCachedAsync(cached, cancellationToken),
        };
    }

    private async Task<string> DigestAsync(IComponent component, string input, byte[] content, bool store, CancellationToken cancellationToken)
    {
        if (!store)
        {
            return Digests.Of(content);
        }

        var info = await workspace.Artifacts.PutBytesAsync(content, cancellationToken);
        var kind = component.Descriptor.Inputs.FirstOrDefault(i => i.Name == input)?.Kind ?? "file";
        await workspace.Metadata.RecordArtifactAsync(info, kind, "application/json", cancellationToken);
        return info.Digest;
    }

    private async Task<CachedOutputs> ReadCachedAsync(IReadOnlyDictionary<string, string> outputs, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (outputs.TryGetValue(ValuesOutput, out var digest))
        {
            var bytes = await File.ReadAllBytesAsync(workspace.Artifacts.PathOf(digest), cancellationToken);
            using var doc = JsonDocument.Parse(bytes);
            foreach (var p in doc.RootElement.GetProperty("values").EnumerateObject())
            {
                values[p.Name] = p.Value.GetDouble();
            }

            foreach (var p in doc.RootElement.GetProperty("labels").EnumerateObject())
            {
                labels[p.Name] = p.Value.GetString()!;
            }
        }

        return new CachedOutputs(
            outputs.Where(o => o.Key != ValuesOutput).ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal), values, labels);
    }
}
