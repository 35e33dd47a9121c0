using System.Text.Json;
using Toolkit.Pipelines.Components;

namespace Toolkit.Pipelines.Execution;

/// <summary>
/// The values file a step may write (<c>TOOLKIT_VALUES</c>, <c>--values</c>): a JSON object whose
/// numbers and booleans (1/0) become values and whose strings become labels. Every executor reads it
/// the same way.
/// </summary>
public static class StepValues
{
    public static ComponentResult Read(string path)
    {
        if (!File.Exists(path))
        {
            return ComponentResult.Empty;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Value.ValueKind)
                {
                    case JsonValueKind.Number:
                        values[p.Name] = p.Value.GetDouble();
                        break;
                    case JsonValueKind.String:
                        labels[p.Name] = p.Value.GetString()!;
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        values[p.Name] = p.Value.GetBoolean() ? 1 : 0;
                        break;
                }
            }

            return new ComponentResult { Values = values, Labels = labels };
        }
        catch (JsonException ex)
        {
            throw new StepFailedException($"the values file '{path}' is not a JSON object: {ex.Message}", 0, ex);
        }
    }
}
