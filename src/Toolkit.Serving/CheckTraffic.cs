namespace Toolkit.Serving;

/// <summary>
/// Requests a deployment's own checks send (smoke rows, load tests) carry this header, so the
/// prediction log keeps live traffic only: monitoring must not mistake a load test for the world.
/// </summary>
public static class CheckTraffic
{
    public const string Header = "X-Toolkit-Check";

    public static void Mark(HttpRequestMessage request, string check)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.TryAddWithoutValidation(Header, check);
    }
}
