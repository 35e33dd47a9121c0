// Runs dotnet test with TRX results and coverage, then prints one line of totals across projects
// ("Tests: N passed, N failed, N skipped") that CI logs and humans both read, after one line per
// skipped test with its reason. A null filter runs all. The counting is in TestTotals.cs (unit-tested).
#load "TestTotals.cs"

public static void RunTests(ICakeContext ctx, BuildData data, string filter, string kind)
{
    var results = data.TestResults.Combine(kind);
    ctx.CleanDirectory(results);
    Exception failure = null;
    try
    {
        ctx.DotNetTest(data.Solution.FullPath, new DotNetTestSettings
        {
            Configuration = data.Configuration,
            NoBuild = true,
            NoRestore = true,
            Filter = filter,
            Loggers = new[] { "trx" },
            Collectors = new[] { "XPlat Code Coverage" },
            ResultsDirectory = results,
        });
    }
    catch (Exception ex)
    {
        failure = ex;
    }

    var totals = TestTotals.Read(ctx.GetFiles(results.FullPath + "/**/*.trx").Select(f => f.FullPath));

    // Plain console output: CI reads these lines, so no colour codes around them.
    foreach (var skipped in totals.SkippedTests)
    {
        System.Console.WriteLine($"skipped: {skipped.Name}: {skipped.Reason}");
    }

    System.Console.WriteLine(totals.Line);
    if (failure is not null)
    {
        throw failure;
    }

    if (totals.NothingRanReason(filter) is string reason)
    {
        throw new CakeException(reason);
    }
}
