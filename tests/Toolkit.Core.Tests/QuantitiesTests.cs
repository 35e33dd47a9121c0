namespace Toolkit.Core.Tests;

public sealed class QuantitiesTests
{
    [Theory]
    [InlineData("250ms", 0.25)]
    [InlineData("20s", 20)]
    [InlineData("1.5m", 90)]
    [InlineData("2h", 7200)]
    [InlineData("7", 7)]
    public void TryParseDuration_Units_ReadAsSeconds(string text, double seconds)
    {
        Quantities.TryParseDuration(text, out var value).Should().BeTrue();
        value.TotalSeconds.Should().BeApproximately(seconds, 1e-9);
    }

    [Theory]
    [InlineData("100000000000h")]
    [InlineData("1e300s")]
    [InlineData("Infinity")]
    [InlineData("-5s")]
    [InlineData("forever")]
    [InlineData("")]
    public void TryParseDuration_BeyondRangeOrNotADuration_FalseNeverThrows(string text)
    {
        Quantities.TryParseDuration(text, out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("512Mi", 512L << 20)]
    [InlineData("2Gi", 2L << 30)]
    [InlineData("1G", 1_000_000_000L)]
    public void TryParseMemory_Sizes_ReadAsBytes(string text, long bytes)
    {
        Quantities.TryParseMemory(text, out var value).Should().BeTrue();
        value.Should().Be(bytes);
    }

    [Theory]
    [InlineData("1e30Ti")]
    [InlineData("Infinity")]
    [InlineData("0.1")]
    [InlineData("-2Gi")]
    public void TryParseMemory_AbsurdSizes_False(string text)
    {
        Quantities.TryParseMemory(text, out _).Should().BeFalse();
    }
}
