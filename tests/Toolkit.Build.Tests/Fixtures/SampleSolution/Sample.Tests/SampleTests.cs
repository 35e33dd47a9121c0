namespace Sample.Tests;

public class SampleTests
{
    [Xunit.Fact]
    public void Passes() => Xunit.Assert.Equal(2, 1 + 1);

    [Xunit.Fact(Skip = "no GPU on this machine")]
    public void NeedsAGpu() => Xunit.Assert.Fail("skipped tests do not run");
}
