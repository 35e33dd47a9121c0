// One build at a time: every test here runs dotnet, Cake or a pipeline, and they share Cake's script
// cache (a compile racing another writing the same cache file could fail either).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
