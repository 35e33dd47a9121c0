namespace Toolkit.Ml.Models;

/// <summary>A model file that cannot be used: unreadable, another format version, or changed after it was written.</summary>
public sealed class ModelFileException : Exception
{
    public ModelFileException(string message)
        : base(message)
    {
    }

    public ModelFileException()
    {
    }

    public ModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
