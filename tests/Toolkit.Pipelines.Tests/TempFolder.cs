namespace Toolkit.Pipelines.Tests;

/// <summary>A temporary folder deleted with everything in it when disposed.</summary>
internal sealed class RunnerTempFolder : IDisposable
{
    public RunnerTempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "toolkit-runner-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        if (!Directory.Exists(Path))
        {
            return;
        }

        // The artifact store makes files read-only; make them writable so the folder can go.
        foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(Path, recursive: true);
    }
}
