using Toolkit.Ml.Trees;

namespace Toolkit.Ml.Tests.Trees;

public sealed class WorkCrewTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void For_ManyShortSteps_RunsEveryIndexExactlyOnce(int threads)
    {
        using var crew = new WorkCrew(threads, CancellationToken.None);
        var counts = new int[64];
        for (var step = 0; step < 2000; step++)
        {
            var n = 1 + (step % counts.Length);
            crew.For(n, i => Interlocked.Increment(ref counts[i]));
        }

        // Index i runs in every step whose count exceeds i: 2000 steps cycle through counts 1..64.
        for (var i = 0; i < counts.Length; i++)
        {
            var expected = Enumerable.Range(0, 2000).Count(step => 1 + (step % counts.Length) > i);
            counts[i].Should().Be(expected, $"index {i}");
        }
    }

    [Fact]
    public void For_BodyThrows_ExceptionReachesCaller()
    {
        using var crew = new WorkCrew(2, CancellationToken.None);

        var act = () => crew.For(100, i =>
        {
            if (i == 37)
            {
                throw new InvalidOperationException("boom 37");
            }
        });

        act.Should().Throw<InvalidOperationException>().WithMessage("boom 37");
    }

    [Fact]
    public void For_AfterCancellation_Throws()
    {
        using var cts = new CancellationTokenSource();
        using var crew = new WorkCrew(2, cts.Token);
        var ran = 0;
        crew.For(10, _ => Interlocked.Increment(ref ran));
        cts.Cancel();

        var act = () => crew.For(10, _ => Interlocked.Increment(ref ran));

        act.Should().Throw<OperationCanceledException>();
        ran.Should().Be(10);
    }
}
