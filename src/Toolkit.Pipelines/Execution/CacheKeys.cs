using System.Security.Cryptography;
using System.Text.Json;
using Toolkit.Pipelines.Components;
using Toolkit.Pipelines.Spec;

namespace Toolkit.Pipelines.Execution;

/// <summary>A step's cache key: a digest of everything that determines its outputs.</summary>
internal static class CacheKeys
{
    public static string Of(
        StepSpec step,
        ComponentDescriptor? descriptor,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, IReadOnlyList<string>> inputs,
        string? command,
        string? external,
        string? executorIdentity)
    {
        // Canonical JSON (sorted keys) of everything that determines the outputs.
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("component", descriptor?.Reference ?? "run");
            if (descriptor?.SourceDigest is { } source)
            {
                // A team component's code: its version alone does not change when the code does.
                w.WriteString("source", source);
            }

            if (command is not null)
            {
                w.WriteString("command", command);
                w.WriteString("image", step.Image);
                w.WriteStartArray("outputs");
                foreach (var o in step.Outputs.Order(StringComparer.Ordinal))
                {
                    w.WriteStringValue(o);
                }

                w.WriteEndArray();
            }

            w.WriteStartObject("params");
            foreach (var (k, v) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteStartObject("inputs");
            foreach (var (k, ds) in inputs.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteStartArray(k);
                foreach (var d in ds)
                {
                    w.WriteStringValue(d);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            if (external is not null)
            {
                w.WriteString("external", external);
            }

            if (executorIdentity is not null)
            {
                w.WriteString("executor", executorIdentity);
            }

            w.WriteEndObject();
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }
}
