namespace Toolkit.Ml.Trees;

/// <summary>
/// The parallel steps of one boosting fit: on the crew, unless the work (roughly, memory touches) is
/// too small to pay for the hand-over. Results are the same either way.
/// </summary>
internal sealed class ParallelSteps(WorkCrew? crew, CancellationToken token)
{
    /// <summary>Below this much work (about one memory touch per unit) a step runs on the calling thread.</summary>
    private const long ParallelWork = 100_000;

    public void For(int count, long work, Action<int> body)
    {
        if (count == 1 || work < ParallelWork || crew is null)
        {
            token.ThrowIfCancellationRequested();
            for (var i = 0; i < count; i++)
            {
                body(i);
            }
        }
        else
        {
            crew.For(count, body);
        }
    }
}
