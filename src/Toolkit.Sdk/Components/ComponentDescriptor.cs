using System.Globalization;

namespace Toolkit.Pipelines.Components;

/// <summary>The type of a component parameter, checked by validation and when parameters resolve.</summary>
public enum ParameterType
{
    String,
    Integer,
    Number,
    Boolean,

    /// <summary>Any YAML value (a map or list passed through as JSON text).</summary>
    Any,
}

/// <summary>A declared input or output artifact of a component.</summary>
public sealed record ComponentPort(string Name, string Kind, string Description)
{
    /// <summary>Inputs only: the step must wire it.</summary>
    public bool Required { get; init; } = true;

    /// <summary>Inputs only: takes a list of artifacts (e.g. several models to evaluate).</summary>
    public bool Multiple { get; init; }
}

/// <summary>A declared parameter of a component (<c>with:</c> in a pipeline, <c>--param</c> on the command line).</summary>
public sealed record ComponentParameter(string Name, ParameterType Type, string Description)
{
    public bool Required { get; init; }

    /// <summary>The default as text; null when there is none.</summary>
    public string? Default { get; init; }

    /// <summary>When set, the value must be one of these.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>Accept any other parameter too (passed through, e.g. an algorithm's hyperparameters).</summary>
    public bool IsOpen { get; init; }

    /// <summary>Numbers only: the smallest value allowed (excluded when <see cref="MinimumExclusive"/>).</summary>
    public double? Minimum { get; init; }

    public bool MinimumExclusive { get; init; }

    /// <summary>Numbers only: the largest value allowed (excluded when <see cref="MaximumExclusive"/>).</summary>
    public double? Maximum { get; init; }

    public bool MaximumExclusive { get; init; }

    /// <summary>
    /// What is wrong with <paramref name="value"/> for this parameter (type, choices, range), or null.
    /// The one check behind <c>pipeline validate</c> and the component's own read, so the two agree.
    /// </summary>
    public string? Problem(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (Type)
        {
            case ParameterType.Integer:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) || whole is < int.MinValue or > int.MaxValue)
                {
                    return $"parameter '{Name}' must be an integer, not '{value}'";
                }

                return RangeProblem(whole, value);
            case ParameterType.Number:
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    return $"parameter '{Name}' must be a finite number, not '{value}'";
                }

                return RangeProblem(number, value);
            case ParameterType.Boolean:
                return bool.TryParse(value, out _) ? null : $"parameter '{Name}' must be true or false, not '{value}'";
            default:
                return Choices.Count > 0 && !Choices.Contains(value)
                    ? $"parameter '{Name}' must be one of {string.Join(", ", Choices)}, not '{value}'"
                    : null;
        }
    }

    /// <summary>The allowed range in words (<c>&gt; 0 and &lt; 1</c>), or null when unbounded.</summary>
    public string? RangeText
    {
        get
        {
            var lo = Minimum is { } min ? (MinimumExclusive ? "> " : ">= ") + min.ToString(CultureInfo.InvariantCulture) : null;
            var hi = Maximum is { } max ? (MaximumExclusive ? "< " : "<= ") + max.ToString(CultureInfo.InvariantCulture) : null;
            return (lo, hi) switch
            {
                (null, null) => null,
                (not null, null) => lo,
                (null, not null) => hi,
                _ => $"{lo} and {hi}",
            };
        }
    }

    private string? RangeProblem(double number, string text)
    {
        var low = Minimum is { } min && (MinimumExclusive ? number <= min : number < min);
        var high = Maximum is { } max && (MaximumExclusive ? number >= max : number > max);
        return low || high ? $"parameter '{Name}' must be {RangeText}, not {text}" : null;
    }
}

/// <summary>
/// What a component is: name (<c>train/random-forest</c>), version (part of every cache key), declared
/// inputs, outputs, parameters and the scalar values it reports (metrics usable in <c>when</c>).
/// </summary>
public sealed record ComponentDescriptor
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string Description { get; init; }

    public IReadOnlyList<ComponentPort> Inputs { get; init; } = [];

    public IReadOnlyList<ComponentPort> Outputs { get; init; } = [];

    public IReadOnlyList<ComponentParameter> Parameters { get; init; } = [];

    /// <summary>Scalar values the component reports (e.g. <c>auc</c>), readable as <c>steps.X.outputs.auc</c>.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>True when <see cref="Values"/> may hold more names than declared (e.g. every metric of a task).</summary>
    public bool OpenValues { get; init; }

    /// <summary>Accepts parameters beyond <see cref="Parameters"/> (passed through to an algorithm).</summary>
    public bool OpenParameters { get; init; }

    /// <summary>
    /// Team components only, set by the toolkit when it loads the project: the digest of the project's
    /// source, part of every step's cache key, so editing the code reruns exactly the steps that use it.
    /// </summary>
    public string? SourceDigest { get; init; }

    /// <summary>Where the component comes from: null for the toolkit's own, else the team project file (for messages).</summary>
    public string? Origin { get; init; }

    public string Reference => $"{Name}@{Version}";
}
