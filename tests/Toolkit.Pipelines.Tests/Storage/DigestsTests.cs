using System.Text;
using Toolkit.Pipelines.Storage;

namespace Toolkit.Pipelines.Tests.Storage;

public sealed class DigestsTests
{
    // Obtained with: printf 'hello\n' | sha256sum
    private const string HelloDigest = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

    [Fact]
    public async Task Of_AndOfFile_MatchSha256sum()
    {
        using var temp = new TempFolder();
        var path = temp.WriteFile("hello.txt", Encoding.ASCII.GetBytes("hello\n"));

        Digests.Of(Encoding.ASCII.GetBytes("hello\n")).Should().Be(HelloDigest);
        (await Digests.OfFileAsync(path)).Should().Be(HelloDigest);
    }

    [Theory]
    [InlineData(HelloDigest, true)]
    [InlineData("sha256:5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03", false)]
    [InlineData("sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be0", false)]
    [InlineData("sha512:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", false)]
    [InlineData("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", false)]
    [InlineData("sha256:../../../../etc/passwd", false)]
    [InlineData(null, false)]
    public void IsValid_AcceptsOnlySha256PrefixAnd64LowercaseHex(string? digest, bool valid) =>
        Digests.IsValid(digest).Should().Be(valid);
}
