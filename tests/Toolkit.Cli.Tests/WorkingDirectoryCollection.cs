namespace Toolkit.Cli.Tests;

/// <summary>
/// Tests that change the process's working folder must not run at the same time as others. Commands
/// take their folder from <see cref="CliRunner.RunInAsync"/> instead; only RegistryCommandsTests still
/// move the process (their relative --markdown/--report paths), and run alone for it.
/// </summary>
[CollectionDefinition("working directory", DisableParallelization = true)]
public sealed class WorkingDirectoryCollection;
