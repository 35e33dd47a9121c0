using System.Text;
using Toolkit.Docker.Containers;

namespace Toolkit.Docker.Tests.Containers;

public sealed class ContainerOperationsTests
{
    [Fact]
    public async Task LogWriters_CharacterCutBetweenFrames_ComesOutWholeOnItsOwnStream()
    {
        // "é" is two bytes: its first ends one stdout frame, a stderr frame comes between, its second starts the next.
        var e = "\u00e9"u8.ToArray();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var writers = new LogWriters(stdout, stderr);

        await writers.WriteAsync(false, new byte[] { (byte)'a', (byte)'b', e[0] }, CancellationToken.None);
        await writers.WriteAsync(true, Encoding.UTF8.GetBytes("err\n"), CancellationToken.None);
        await writers.WriteAsync(false, new byte[] { e[1] }, CancellationToken.None);
        await writers.FlushAsync(CancellationToken.None);

        stdout.ToString().Should().Be("ab\u00e9");
        stderr.ToString().Should().Be("err\n");
    }

    [Fact]
    public void LabelFilter_KeyValue_IsDockersFilterMap()
    {
        var filter = ContainerOperations.LabelFilter("io.toolkit.test=x");

        filter.Should().ContainKey("label").WhoseValue.Should().Equal(new Dictionary<string, bool> { ["io.toolkit.test=x"] = true });
        ContainerOperations.LabelFilter(null).Should().BeNull();
    }
}
