using Toolkit.Docker.Containers;

namespace Toolkit.Docker.Tests.Containers;

public sealed class ContainerOperationsTests
{
    [Fact]
    public async Task Demultiplex_FramesOfBothStreams_SplitsThemAndJoinsUtf8AcrossFrames()
    {
        // Frames by hand: [stream, 0, 0, 0, big-endian length] + payload; "é" split over two stdout frames.
        var e = "\u00e9"u8.ToArray();
        byte[] bytes = [1, 0, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'b', e[0], 2, 0, 0, 0, 0, 0, 0, 4, (byte)'e', (byte)'r', (byte)'r', (byte)'\n', 1, 0, 0, 0, 0, 0, 0, 1, e[1]];
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        await ContainerOperations.Demultiplex(new MemoryStream(bytes), stdout, stderr, CancellationToken.None);

        stdout.ToString().Should().Be("ab\u00e9");
        stderr.ToString().Should().Be("err\n");
    }
}
