using Toolkit.Pipelines.Components;

namespace Toolkit.Pipelines.Tests;

/// <summary>Small components for tests: real code that writes real files, with counters to prove what ran.</summary>
internal sealed class TestComponent : IComponent
{
    private readonly Func<ComponentContext, CancellationToken, Task<ComponentResult>> _run;
    private int _runs;

    public TestComponent(ComponentDescriptor descriptor, Func<ComponentContext, CancellationToken, Task<ComponentResult>> run)
    {
        Descriptor = descriptor;
        _run = run;
    }

    public ComponentDescriptor Descriptor { get; }

    public int Runs => Volatile.Read(ref _runs);

    public Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _runs);
        return _run(context, cancellationToken);
    }
}

internal static class TestCatalog
{
    public static readonly ComponentDescriptor Make = new()
    {
        Name = "test/make",
        Version = "1",
        Description = "writes a text file",
        Outputs = [new ComponentPort("data", "dataset", "the text")],
        Parameters =
        [
            new ComponentParameter("text", ParameterType.String, "what to write") { Required = true },
            new ComponentParameter("count", ParameterType.Integer, "how many times") { Default = "1" },
            new ComponentParameter("mode", ParameterType.String, "a choice") { Default = "a", Choices = ["a", "b"] },
        ],
    };

    public static readonly ComponentDescriptor Concat = new()
    {
        Name = "test/concat",
        Version = "1",
        Description = "concatenates its inputs",
        Inputs = [new ComponentPort("parts", "dataset", "inputs to join") { Multiple = true }],
        Outputs = [new ComponentPort("joined", "dataset", "joined text")],
        Values = ["length"],
    };

    public static ComponentCatalog Descriptors() => new(
    [
        new TestComponent(Make, (_, _) => Task.FromResult(ComponentResult.Empty)),
        new TestComponent(Concat, (_, _) => Task.FromResult(ComponentResult.Empty)),
    ]);
}
