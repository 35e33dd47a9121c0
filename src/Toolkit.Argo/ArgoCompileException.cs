using Toolkit.Pipelines.Spec;

namespace Toolkit.Argo;

/// <summary>A pipeline that cannot become an Argo workflow as written; the message names the file, line and step.</summary>
public sealed class ArgoCompileException : Exception
{
    public ArgoCompileException(string message)
        : base(message)
    {
    }

    public ArgoCompileException()
    {
    }

    public ArgoCompileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static ArgoCompileException At(PipelineSpec spec, StepSpec step, Position position, string message) =>
        new($"{spec.File}:{position.Line}:{position.Column}: step '{step.Name}': {message}");
}
