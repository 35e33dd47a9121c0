using System.Globalization;

namespace Toolkit.Ml.Training;

/// <summary>The kind of value a hyperparameter takes.</summary>
public enum ParameterKind
{
    Integer,
    Real,
    Boolean,

    /// <summary>One of <see cref="ParameterInfo.Choices"/>.</summary>
    Choice,

    /// <summary>A real number or one of <see cref="ParameterInfo.Choices"/> (e.g. max_features = sqrt | 0.5).</summary>
    RealOrChoice,
}

/// <summary>
/// One hyperparameter of an algorithm: its snake_case name, kind, default and valid range. Validation
/// of user input happens once, in <see cref="HyperParameters.Resolve"/>, from these descriptions.
/// </summary>
public sealed record ParameterInfo(string Name, ParameterKind Kind, string Default, string Description)
{
    public double? Min { get; init; }

    public double? Max { get; init; }

    /// <summary>When true the minimum itself is not allowed (e.g. alpha &gt; 0).</summary>
    public bool MinExclusive { get; init; }

    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>A default that means "none" (e.g. max_depth unlimited) may be given as this token.</summary>
    public bool AllowsNone { get; init; }

    public string RangeText
    {
        get
        {
            var parts = new List<string>();
            if (Kind is ParameterKind.Choice or ParameterKind.RealOrChoice)
            {
                parts.Add(string.Join(" | ", Choices));
            }

            if (Kind == ParameterKind.Boolean)
            {
                parts.Add("true | false");
            }

            if (Min is not null || Max is not null)
            {
                var lo = Min is null ? "" : (MinExclusive ? "> " : ">= ") + Min.Value.ToString(CultureInfo.InvariantCulture);
                var hi = Max is null ? "" : "<= " + Max.Value.ToString(CultureInfo.InvariantCulture);
                parts.Add(Kind == ParameterKind.Integer ? $"integer {lo} {hi}".Trim() : $"number {lo} {hi}".Trim());
            }
            else if (Kind == ParameterKind.Integer)
            {
                parts.Add("integer");
            }
            else if (Kind == ParameterKind.Real)
            {
                parts.Add("number");
            }

            if (AllowsNone)
            {
                parts.Add("none");
            }

            return string.Join(" or ", parts);
        }
    }
}
