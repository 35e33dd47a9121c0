namespace Toolkit.Pipelines.Spec;

/// <summary>A 1-based line and column in a pipeline file.</summary>
public readonly record struct Position(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>One problem in a pipeline file: where it is and what is wrong.</summary>
public sealed record PipelineDiagnostic(string File, Position Position, string Message)
{
    public override string ToString() => $"{File}:{Position.Line}:{Position.Column}: {Message}";
}

/// <summary>A value from YAML, with where it was written; scalars keep their text and whether they were quoted.</summary>
public abstract record SpecValue(Position Position);

public sealed record ScalarValue(string Text, bool Quoted, Position Position) : SpecValue(Position);

public sealed record ListValue(IReadOnlyList<SpecValue> Items, Position Position) : SpecValue(Position);

public sealed record MapValue(IReadOnlyList<KeyValuePair<string, SpecValue>> Entries, Position Position) : SpecValue(Position);

/// <summary>The declared type of a pipeline parameter.</summary>
public enum ParamType
{
    String,
    Integer,
    Number,
    Boolean,
}

/// <summary>A pipeline parameter (<c>params:</c>) with its default.</summary>
public sealed record PipelineParam(string Name, ParamType Type, string Default, string? Description, Position Position);

/// <summary>A reference to another step's output: <c>split.train</c> or <c>${{ steps.split.outputs.train }}</c>.</summary>
public sealed record OutputRef(string Step, string Output, Position Position)
{
    public override string ToString() => $"{Step}.{Output}";
}

/// <summary>Retries of a failed step: how many more attempts, and the first wait (doubling each time).</summary>
public sealed record RetryPolicy(int Count, TimeSpan Backoff)
{
    public static RetryPolicy None { get; } = new(0, TimeSpan.Zero);
}

/// <summary>CPU and memory a step may use (limits for containers; advice for in-process runs).</summary>
public sealed record ResourceSpec(double? Cpu, long? MemoryBytes);

/// <summary>One step of a pipeline.</summary>
public sealed record StepSpec
{
    /// <summary>The longest <c>timeout:</c> a step may ask for (and the longest a retry may back off).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);

    public required string Name { get; init; }

    public required Position Position { get; init; }

    /// <summary>The component it runs (<c>train/random-forest</c>), or null for a <c>run:</c> step.</summary>
    public string? Uses { get; init; }

    public Position? UsesPosition { get; init; }

    /// <summary>A shell command, for steps that are not components.</summary>
    public string? Run { get; init; }

    public string? Image { get; init; }

    public IReadOnlyList<KeyValuePair<string, SpecValue>> With { get; init; } = [];

    /// <summary>Input name → the outputs it takes (one, or several for list inputs).</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<OutputRef>>> Inputs { get; init; } = [];

    /// <summary>Declared output files of a <c>run:</c> step.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, Position>> Needs { get; init; } = [];

    public ScalarValue? When { get; init; }

    public RetryPolicy Retries { get; init; } = RetryPolicy.None;

    public TimeSpan? Timeout { get; init; }

    public ResourceSpec? Resources { get; init; }

    public bool Cache { get; init; } = true;

    /// <summary>Whether the step may use the network (containers have none by default).</summary>
    public bool Network { get; init; }

    /// <summary>
    /// Environment a <c>run:</c> step gets beyond the clean base: a name with a null value passes the
    /// caller's variable through; a value sets it. Nothing else of the caller's environment reaches the step.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Env { get; init; } = [];
}

/// <summary>A pipeline file, parsed: name, parameters and steps, each with positions for errors.</summary>
public sealed record PipelineSpec
{
    public required string File { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<PipelineParam> Params { get; init; } = [];

    public IReadOnlyList<StepSpec> Steps { get; init; } = [];

    /// <summary>SHA-256 of the file's bytes (recorded with each run).</summary>
    public required string Digest { get; init; }

    public StepSpec? Step(string name) => Steps.FirstOrDefault(s => s.Name == name);
}
