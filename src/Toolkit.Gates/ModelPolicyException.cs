namespace Toolkit.Gates;

/// <summary>One problem in a policy file, at a position (1-based line and column) and a field path.</summary>
public sealed record PolicyDiagnostic(string File, int Line, int Column, string Field, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Field}: {Message}";
}

/// <summary>A policy file that is not valid; <see cref="Diagnostics"/> lists every problem found.</summary>
public sealed class ModelPolicyException : Exception
{
    public ModelPolicyException(IReadOnlyList<PolicyDiagnostic> diagnostics)
        : base(Format(diagnostics))
    {
        Diagnostics = diagnostics;
    }

    public ModelPolicyException()
    {
        Diagnostics = [];
    }

    public ModelPolicyException(string message)
        : base(message)
    {
        Diagnostics = [];
    }

    public ModelPolicyException(string message, Exception innerException)
        : base(message, innerException)
    {
        Diagnostics = [];
    }

    public IReadOnlyList<PolicyDiagnostic> Diagnostics { get; }

    private static string Format(IReadOnlyList<PolicyDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        return $"{diagnostics.Count} problem(s) in the model policy:{Environment.NewLine}" +
            string.Join(Environment.NewLine, diagnostics.Select(d => "  " + d));
    }
}
