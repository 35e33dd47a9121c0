namespace Toolkit.Cli.Tests;

/// <summary>Tests that change the process's working folder must not run at the same time.</summary>
[CollectionDefinition("working directory", DisableParallelization = true)]
public sealed class WorkingDirectoryCollection;
