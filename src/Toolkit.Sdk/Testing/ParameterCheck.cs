using Toolkit.Pipelines.Components;

namespace Toolkit.Sdk;

/// <summary>Declared defaults overlaid with the given values, each checked by <see cref="ComponentParameter.Problem"/>.</summary>
internal static class ParameterCheck
{
    public static IReadOnlyDictionary<string, string> Resolve(
        string owner, IReadOnlyList<ComponentParameter> declared, bool open, IReadOnlyDictionary<string, string>? given)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in declared.Where(p => p.Default is not null))
        {
            result[p.Name] = p.Default!;
        }

        foreach (var (name, value) in given ?? new Dictionary<string, string>())
        {
            var parameter = declared.FirstOrDefault(p => p.Name == name);
            if (parameter is null && !open)
            {
                var names = declared.Count == 0 ? "none" : string.Join(", ", declared.Select(p => p.Name));
                throw new ArgumentException($"{owner} has no parameter '{name}'; its parameters: {names}");
            }

            if (parameter?.Problem(value) is { } problem)
            {
                throw new ArgumentException($"{owner}: {problem}");
            }

            result[name] = value;
        }

        foreach (var missing in declared.Where(p => p.Required && !result.ContainsKey(p.Name)))
        {
            throw new ArgumentException($"{owner} needs parameter '{missing.Name}'");
        }

        return result;
    }
}
