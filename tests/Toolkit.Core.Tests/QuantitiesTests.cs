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
}
