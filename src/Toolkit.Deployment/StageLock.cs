using System.Diagnostics;

namespace Toolkit.Deployment;

/// <summary>
/// One deploy or stop of a stage at a time, across processes: an exclusively opened <c>.lock</c> file in the stage's
/// folder, released when disposed (and by the system when the process dies). Without it two deploys could each start a
/// service and only one would be recorded.
/// </summary>
internal sealed class StageLock : IDisposable
{
    private readonly FileStream _file;

    private StageLock(FileStream file)
    {
        _file = file;
    }

    public static async Task<StageLock> AcquireAsync(string folder, string what, TimeSpan timeout, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, ".lock");
        var waited = Stopwatch.StartNew();
        var told = false;
        while (true)
        {
            try
            {
                return new StageLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (waited.Elapsed < timeout)
            {
                if (!told)
                {
                    progress?.Report($"waiting for another deploy or stop of {what} to finish ...");
                    told = true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
            catch (IOException ex)
            {
                throw new DeploymentException(
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"another deploy or stop of {what} has held {path} for {timeout.TotalMinutes:0} minutes; try again when it is done"),
                    DeploymentFailureKind.Failed,
                    ex);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
