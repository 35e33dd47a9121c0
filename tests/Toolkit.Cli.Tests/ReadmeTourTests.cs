namespace Toolkit.Cli.Tests;

/// <summary>
/// The README's tour is run as written, so the first commands a new user types cannot rot: every
/// `mlops` line of the "A tour" block runs in a fresh project folder and must succeed.
/// </summary>
public sealed class ReadmeTourTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Tour_EveryCommandAsWritten_Succeeds()
    {
        var root = TempFolder.RepositoryRoot;
        foreach (var folder in new[] { "pipelines", "models/diabetes", "models/housing" })
        {
            Directory.CreateDirectory(_temp.File(folder));
            foreach (var file in Directory.GetFiles(Path.Combine(root, folder)))
            {
                File.Copy(file, Path.Combine(_temp.File(folder), Path.GetFileName(file)));
            }
        }

        TempFolder.CopyDiabetesFeatures(_temp.Path);
        File.WriteAllText(_temp.File("toolkit.yaml"), "store: .toolkit\n" + TempFolder.DiabetesComponents);
        var commands = TourCommands(File.ReadAllLines(Path.Combine(root, "README.md")));

        commands.Should().HaveCountGreaterThanOrEqualTo(5, "the tour shows synth, train, evaluate and a pipeline run");
        foreach (var args in commands)
        {
            var result = await CliRunner.RunInAsync(_temp.Path, args);
            result.ExitCode.Should().Be(0, $"'mlops {string.Join(' ', args)}' failed: {result.Error}");
        }

        File.Exists(_temp.File("model.tkm")).Should().BeTrue();
        Directory.EnumerateFiles(_temp.File(".toolkit"), "metadata.db", SearchOption.AllDirectories).Should().NotBeEmpty();
    }

    /// <summary>The `mlops ...` lines of the README's tour block, comments cut, split on blanks (the tour quotes nothing).</summary>
    private static List<string[]> TourCommands(string[] readme)
    {
        var start = Array.FindIndex(readme, l => l.StartsWith("## A tour", StringComparison.Ordinal));
        start.Should().BeGreaterThan(0, "the README has a tour section");
        var commands = new List<string[]>();
        for (var i = start + 1; i < readme.Length && !readme[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            var line = readme[i].Trim();
            if (!line.StartsWith("mlops ", StringComparison.Ordinal))
            {
                continue;
            }

            var hash = line.IndexOf(" #", StringComparison.Ordinal);
            var command = hash < 0 ? line : line[..hash];
            commands.Add(command.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]);
        }

        return commands;
    }

}
