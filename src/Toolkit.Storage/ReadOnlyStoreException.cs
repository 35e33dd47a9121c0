namespace Toolkit.Storage;

/// <summary>A write to a store this user may not write: names the file, where SQLite's "Error 8" names none.</summary>
public sealed class ReadOnlyStoreException : IOException
{
    public ReadOnlyStoreException(string file, string why, Exception? innerException)
        : base($"{file} is read-only (owned by another user, or on a read-only file system) and {why}; read commands (runs list, model list, ...) still work", innerException)
    {
        File = file;
    }

    public ReadOnlyStoreException()
    {
    }

    public ReadOnlyStoreException(string message)
        : base(message)
    {
    }

    public ReadOnlyStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string? File { get; }
}
