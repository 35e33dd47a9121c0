namespace Toolkit.Pipelines.Components;

/// <summary>
/// Everything a component sees when it runs, the same in-process, in a container and on Argo: input
/// artifact paths, resolved parameters as text, output paths to write, and a log.
/// </summary>
public sealed class ComponentContext
{
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Inputs { get; init; }

    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>Where each declared output must be written (one file per output).</summary>
    public required IReadOnlyDictionary<string, string> Outputs { get; init; }

    public required TextWriter Log { get; init; }

    /// <summary>
    /// The project folder: relative paths in parameters (a policy file, a CSV) are relative to it.
    /// Null: the process's working folder (a component run alone, or in a container started there).
    /// </summary>
    public string? ProjectDirectory { get; init; }

    /// <summary>Upper bound on threads the component may use (the runner splits cores between parallel steps).</summary>
    public int MaxThreads { get; init; } = Environment.ProcessorCount;

    public string Input(string name) =>
        Inputs.TryGetValue(name, out var paths) && paths.Count > 0
            ? paths[0]
            : throw new InvalidOperationException($"Input '{name}' was not provided.");

    public string Output(string name) =>
        Outputs.TryGetValue(name, out var path) ? path : throw new InvalidOperationException($"Output '{name}' was not requested.");

    public string? Parameter(string name) => Parameters.TryGetValue(name, out var v) ? v : null;

    /// <summary>A path from a parameter, made absolute against <see cref="ProjectDirectory"/>.</summary>
    public string ProjectPath(string path) => ProjectDirectory is null ? Path.GetFullPath(path) : Path.GetFullPath(path, ProjectDirectory);
}

/// <summary>What a component reports besides its output files: scalar values (metrics) by name.</summary>
public sealed record ComponentResult
{
    public static ComponentResult Empty { get; } = new();

    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    /// <summary>Text values (e.g. the name of the best model).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <summary>A unit of pipeline work: a descriptor and the code that runs it.</summary>
public interface IComponent
{
    ComponentDescriptor Descriptor { get; }

    Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default);
}

/// <summary>
/// A component that reads something outside its declared inputs (a file named by a parameter, the
/// model in prod) says
/// what it read, as a digest, so that a changed file invalidates the cache.
/// </summary>
public interface IExternalInputs
{
    /// <summary>A digest of the outside data the parameters point at (relative paths: to <paramref name="projectDirectory"/>); null when there is none.</summary>
    Task<string?> ExternalDigestAsync(IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default);
}

/// <summary>
/// A component whose parameters name what only the host knows (the team transforms of toolkit.yaml's projects) or
/// constrain one another: <c>pipeline validate</c> asks it about the values a step sets literally, so a mistake is
/// reported at its position before anything runs, with the message the run would give.
/// </summary>
public interface IParameterCheck
{
    /// <summary>
    /// The problems with <paramref name="literals"/> (parameter name → the step's text; parameters set by an expression are
    /// absent, they are checked when the run resolves them); empty when there is none.
    /// </summary>
    IReadOnlyList<ParameterProblem> Check(IReadOnlyDictionary<string, string> literals);
}

/// <summary>What is wrong with one parameter of a step, for <see cref="IParameterCheck"/>.</summary>
public sealed record ParameterProblem(string Parameter, string Message);

/// <summary>
/// A component that needs something only the host can see (the model in prod of the project's
/// registry) gets it as input files the runner makes on the host before the step: their digests
/// enter the cache key, and every executor hands them to the step like any other input.
/// </summary>
public interface IHostInputs
{
    /// <summary>Input name → content, for inputs the step does not wire itself; empty when there is nothing to give.</summary>
    Task<IReadOnlyDictionary<string, byte[]>> HostInputsAsync(
        IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default);
}
