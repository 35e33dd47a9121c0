// Runs dotnet test with TRX results and coverage, then prints one line of totals across projects
// ("Tests: N passed, N failed, N skipped") that CI logs and humans both read. A null filter runs all.
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

    long passed = 0, failed = 0, skipped = 0;
    foreach (var trx in ctx.GetFiles(results.FullPath + "/**/*.trx"))
    {
        var counters = System.Xml.Linq.XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += (long)counters.Attribute("passed");
        failed += (long)counters.Attribute("failed");
        skipped += (long)counters.Attribute("notExecuted");
    }

    // Plain console output: CI reads this line, so no colour codes around it.
    System.Console.WriteLine($"Tests: {passed} passed, {failed} failed, {skipped} skipped");
    if (failure is not null)
    {
        throw failure;
    }

    if (passed == 0)
    {
        throw new CakeException("No test ran.");
    }
}
