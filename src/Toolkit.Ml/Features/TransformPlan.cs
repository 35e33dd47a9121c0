using System.Text;
using Toolkit.Sdk;

namespace Toolkit.Ml.Features;

/// <summary>
/// The team transforms a step names (<c>transforms: a/x, b/y</c>) with their parameters
/// (<c>transform_params: a/x.name=value, ...</c>), checked against what each transform declares; defaults fill the rest.
/// </summary>
public static class TransformPlan
{
    /// <summary>The transforms to fit, in order; unknown names (all of them), unknown or bad parameters throw <see cref="ArgumentException"/>.</summary>
    public static IReadOnlyList<TransformFit> Parse(string? transforms, string? parameters)
    {
        var names = Names(transforms);
        if (names.Count == 0)
        {
            return string.IsNullOrWhiteSpace(parameters)
                ? []
                : throw new ArgumentException("transform_params is given but no transforms are named; set transforms: too.");
        }

        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"transform '{duplicate.Key}' is named twice in transforms:.");
        }

        var sources = TeamTransformCatalog.GetAll(names);
        var given = ParseParameters(parameters, names);
        return [.. sources.Select(s => new TransformFit(s, Resolve(s, given.GetValueOrDefault(s.Name) ?? [])))];
    }

    /// <summary>The comma-separated names, trimmed, empty entries dropped.</summary>
    public static IReadOnlyList<string> Names(string? transforms) =>
        transforms?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>
    /// What the named transforms' code is, for a step's cache key: name, version, assembly and digest of each
    /// (an unknown name as such: the step then fails saying so). Editing the team project's code reruns the step.
    /// </summary>
    public static string? CacheIdentity(string? transforms)
    {
        var names = Names(transforms);
        if (names.Count == 0)
        {
            return null;
        }

        var all = TeamTransformCatalog.All;
        var text = new StringBuilder();
        foreach (var name in names)
        {
            var t = all.FirstOrDefault(x => x.Name == name);
            text.Append(t is null ? $"unknown {name}" : t.Describe()).Append('\n');
        }

        return text.ToString();
    }

    private static Dictionary<string, Dictionary<string, string>> ParseParameters(string? text, IReadOnlyList<string> names)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var entry in text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var dot = eq < 0 ? -1 : entry.LastIndexOf('.', eq);
            if (eq < 0 || dot <= 0)
            {
                throw new ArgumentException($"transform_params entry '{entry}' must be TRANSFORM.NAME=VALUE (e.g. diabetes/clinical-features.obesity_classes=true).");
            }

            var transform = entry[..dot];
            if (!names.Contains(transform, StringComparer.Ordinal))
            {
                throw new ArgumentException($"transform_params entry '{entry}' is for '{transform}', which transforms: does not name ({string.Join(", ", names)}).");
            }

            var values = result.TryGetValue(transform, out var v) ? v : result[transform] = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!values.TryAdd(entry[(dot + 1)..eq].Trim(), entry[(eq + 1)..].Trim()))
            {
                throw new ArgumentException($"transform_params sets '{entry[..eq]}' twice.");
            }
        }

        return result;
    }

    /// <summary>Declared defaults overlaid with the given values, each checked as a component's parameter is (the SDK's one check).</summary>
    private static IReadOnlyDictionary<string, string> Resolve(TeamTransform source, Dictionary<string, string> given) =>
        ParameterCheck.Resolve($"transform {source.Name}", source.Transform.Parameters, open: false, given);
}
