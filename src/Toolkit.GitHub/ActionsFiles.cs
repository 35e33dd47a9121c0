namespace Toolkit.GitHub;

/// <summary>The files an Actions step writes to: <c>$GITHUB_STEP_SUMMARY</c> (Markdown) and <c>$GITHUB_OUTPUT</c> (name=value lines).</summary>
public static class ActionsFiles
{
    /// <summary>Appends <paramref name="markdown"/> to the step summary; false when there is none (outside Actions).</summary>
    public static async Task<bool> AppendSummaryAsync(GitHubSettings settings, string markdown, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.StepSummaryPath is not { } path)
        {
            return false;
        }

        await File.AppendAllTextAsync(path, markdown.TrimEnd('\n') + "\n\n", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Appends step outputs (single-line values); false when there is no output file.</summary>
    public static async Task<bool> WriteOutputsAsync(GitHubSettings settings, IEnumerable<KeyValuePair<string, string>> outputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.OutputPath is not { } path)
        {
            return false;
        }

        var lines = outputs.Select(o => $"{o.Key}={o.Value.ReplaceLineEndings(" ")}\n");
        await File.AppendAllTextAsync(path, string.Concat(lines), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
