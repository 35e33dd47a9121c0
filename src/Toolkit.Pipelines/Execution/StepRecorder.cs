using System.Globalization;
using System.Text.Json;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Spec;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Execution;

/// <summary>
/// Writes what steps did to the stores: outputs into the content-addressed store, values and the
/// cache entry, and the step's record, inputs, outputs and metrics into the metadata store.
/// </summary>
internal sealed class StepRecorder(Workspace workspace, TimeProvider time)
{
    public static string ComponentLabel(StepSpec step) => step.Uses ?? (step.Image is null ? "run" : "run@" + step.Image);

    public Task MarkRunningAsync(RunState state, ResolvedStep resolved, DateTimeOffset started) =>
        workspace.Metadata.UpsertStepAsync(new StepRecord
        {
            RunId = state.RunId,
            Step = resolved.Step.Name,
            Component = ComponentLabel(resolved.Step),
            Status = StepStatus.Running,
            StartedAt = started,
            CacheKey = resolved.CacheKey,
            ParamsJson = JsonSerializer.Serialize(resolved.Parameters),
        }, CancellationToken.None);

    /// <summary>
    /// Imports a finished attempt's files into the store and caches them with its values; only then is
    /// the step's work durable. Returns the outputs' digests.
    /// </summary>
    public async Task<SortedDictionary<string, string>> StoreOutputsAsync(
        RunState state, ResolvedStep resolved, IReadOnlyDictionary<string, string> outputs, ComponentResult values)
    {
        var outputDigests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var readers = workspace.Artifacts.ReadersOfAll(resolved.InputDigests.Values.SelectMany(d => d));
        foreach (var (name, path) in outputs)
        {
            if (!File.Exists(path))
            {
                throw new StepFailedException($"the step did not write its output '{name}'");
            }

            var info = await workspace.Artifacts.ImportAsync(path, readers, CancellationToken.None);
            var kind = resolved.Component?.Descriptor.Outputs.FirstOrDefault(o => o.Name == name)?.Kind ?? "file";
            await workspace.Metadata.RecordArtifactAsync(info, kind, null, CancellationToken.None);
            outputDigests[name] = info.Digest;
        }

        var valuesInfo = await workspace.Artifacts.PutBytesAsync(SerializeValues(values), readers, CancellationToken.None);
        await workspace.Metadata.RecordArtifactAsync(valuesInfo, "values", "application/json", CancellationToken.None);
        var cacheOutputs = new Dictionary<string, string>(outputDigests, StringComparer.Ordinal) { [StepResolver.ValuesOutput] = valuesInfo.Digest };
        if (resolved.Step.Cache)
        {
            await workspace.Metadata.PutCacheAsync(resolved.CacheKey, cacheOutputs, state.RunId, resolved.Step.Name, CancellationToken.None);
        }

        return outputDigests;
    }

    public async Task RecordAsync(
        RunState state,
        StepSpec step,
        StepResult result,
        IReadOnlyDictionary<string, string>? parameters,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? inputs,
        DateTimeOffset? started = null,
        int? exitCode = null)
    {
        await workspace.Metadata.UpsertStepAsync(new StepRecord
        {
            RunId = state.RunId,
            Step = step.Name,
            Component = ComponentLabel(step),
            Status = result.Status,
            StartedAt = started,
            FinishedAt = started is null ? null : time.GetUtcNow(),
            Attempts = result.Attempts,
            Cached = result.Cached,
            ExitCode = exitCode,
            CacheKey = result.CacheKey,
            ParamsJson = parameters is null ? "{}" : JsonSerializer.Serialize(parameters),
            Error = result.Error,
        }, CancellationToken.None);

        if (inputs is not null)
        {
            var flatInputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, digests) in inputs)
            {
                for (var i = 0; i < digests.Count; i++)
                {
                    flatInputs[digests.Count == 1 ? name : string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]")] = digests[i];
                }
            }

            await workspace.Metadata.RecordStepIoAsync(state.RunId, step.Name, flatInputs, result.Outputs, CancellationToken.None);
        }

        var finite = result.Values.Where(v => double.IsFinite(v.Value)).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        if (finite.Count > 0)
        {
            await workspace.Metadata.RecordMetricsAsync(state.RunId, step.Name, finite, CancellationToken.None);
        }
    }

    private static byte[] SerializeValues(ComponentResult result)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("values");
            foreach (var (k, v) in result.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(k, v);
            }

            w.WriteEndObject();
            w.WriteStartObject("labels");
            foreach (var (k, v) in result.Labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
