using System.Text;
using Toolkit.Sdk.Hosting;

namespace Toolkit.Components.Team;

/// <summary>What <see cref="ComponentScaffold.Create"/> wrote.</summary>
public sealed record ScaffoldResult(string ProjectFile, string TestProjectFile, IReadOnlyList<string> Files, string ComponentName);

/// <summary>
/// <c>mlops component new</c>: a small component project (one component reading a dataset, with a declared
/// parameter) and a test project whose unit test runs it with <c>ComponentTest</c>. Inside a checkout of the
/// toolkit the projects reference src/Toolkit.Sdk; elsewhere the Toolkit.Sdk package.
/// </summary>
public static class ComponentScaffold
{
    /// <param name="name">The component's name, <c>team/step</c> (lowercase, one '/').</param>
    /// <param name="folder">The component project's folder; the test project goes beside it (<c>&lt;folder&gt;.Tests</c>).</param>
    /// <param name="sdkProject">Toolkit.Sdk.csproj to reference; null: found above <paramref name="folder"/>, else the package.</param>
    public static ScaffoldResult Create(string name, string folder, string? sdkProject = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!TeamAssemblyLoader.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a component name: lowercase letters, digits and dashes around one '/' (e.g. churn/log-scale)", nameof(name));
        }

        var full = Path.GetFullPath(folder);
        var testFolder = full.TrimEnd(Path.DirectorySeparatorChar) + ".Tests";
        foreach (var dir in new[] { full, testFolder }.Where(d => Directory.Exists(d) && Directory.EnumerateFileSystemEntries(d).Any()))
        {
            throw new ArgumentException($"'{dir}' already exists and is not empty; choose another --dir", nameof(folder));
        }

        // As dotnet new: a folder named like a project (Acme.Features) names it; otherwise the component's name does.
        var leaf = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar));
        var project = IsProjectName(leaf) ? leaf : ProjectName(name);
        var type = Pascal(name.Split('/')[1]) + "Component";
        var sdk = sdkProject is not null ? Path.GetFullPath(sdkProject) : FindSdk(full);
        // Under a Directory.Packages.props (central versions, as in this repository) a reference names no version.
        var centralVersions = Above(testFolder, "Directory.Packages.props") is not null;
        var version = typeof(Toolkit.Sdk.FeatureTransform).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

        Directory.CreateDirectory(full);
        Directory.CreateDirectory(testFolder);
        var files = new List<string>();
        void Write(string path, string text)
        {
            File.WriteAllText(path, text.ReplaceLineEndings("\n"), new UTF8Encoding(false));
            files.Add(path);
        }

        var projectFile = Path.Combine(full, project + ".csproj");
        var sdkReference = sdk is not null
            ? $"""    <ProjectReference Include="{Relative(full, sdk)}" />"""
            : $"""    <PackageReference Include="Toolkit.Sdk" Version="{version}" />""";
        Write(projectFile, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <!-- A team component project: listed in toolkit.yaml's components:, built and loaded by mlops. -->
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <RootNamespace>{project}</RootNamespace>
              </PropertyGroup>
              <ItemGroup>
            {sdkReference}
              </ItemGroup>
            </Project>

            """);
        Write(Path.Combine(full, type + ".cs"), ComponentSource(name, project, type));

        var testProject = Path.Combine(testFolder, project + ".Tests.csproj");
        string Package(string id, string v, bool privateAssets = false) =>
            $"""    <PackageReference Include="{id}"{(centralVersions ? "" : $" Version=\"{v}\"")}{(privateAssets ? " PrivateAssets=\"all\"" : "")} />""";
        Write(testProject, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <IsPackable>false</IsPackable>
                <IsTestProject>true</IsTestProject>
              </PropertyGroup>
              <ItemGroup>
            {Package("Microsoft.NET.Test.Sdk", "18.0.1")}
            {Package("xunit", "2.9.3")}
            {Package("xunit.runner.visualstudio", "3.1.5", privateAssets: true)}
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="{Relative(testFolder, projectFile)}" />
              </ItemGroup>
            </Project>

            """);
        Write(Path.Combine(testFolder, type + "Tests.cs"), TestSource(project, type));
        return new ScaffoldResult(projectFile, testProject, files, name);
    }

    /// <summary>Dot-separated C# identifiers (letters, digits, underscores; not starting with a digit): usable as project and namespace.</summary>
    private static bool IsProjectName(string text) =>
        text.Length > 0 && text.Split('.').All(p => p.Length > 0 && (char.IsAsciiLetter(p[0]) || p[0] == '_') && p.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'));

    /// <summary>The project (and default folder) name of a component: <c>churn/log-scale</c> → <c>Churn.LogScale</c>.</summary>
    public static string ProjectName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('/');
        return Pascal(parts[0]) + "." + Pascal(parts[1]);
    }

    private static string ComponentSource(string name, string project, string type) => $$"""
        using System.Globalization;
        using Toolkit.Ml.Data;
        using Toolkit.Ml.Data.Csv;
        using Toolkit.Pipelines.Components;

        namespace {{project}};

        /// <summary>Adds <c>COLUMN_log1p</c> = ln(1 + COLUMN) for a numeric column; a missing value stays missing.</summary>
        public sealed class {{type}} : IComponent
        {
            public ComponentDescriptor Descriptor { get; } = new()
            {
                Name = "{{name}}",
                Version = "1",
                Description = "Adds COLUMN_log1p = ln(1 + COLUMN) for a numeric column.",
                Inputs = [new ComponentPort("dataset", "dataset", "The rows.")],
                Outputs = [new ComponentPort("dataset", "dataset", "The rows with COLUMN_log1p added.")],
                Parameters = [new ComponentParameter("column", ParameterType.String, "The numeric column (values > -1).") { Required = true }],
                Values = ["rows"],
            };

            public async Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
            {
                ArgumentNullException.ThrowIfNull(context);
                var table = CsvReader.Read(context.Input("dataset"), ct: cancellationToken);
                var name = context.Parameter("column")!;
                var column = table.Contains(name)
                    ? table[name]
                    : throw new DataFormatException(null, null, name, null, "the column does not exist; columns are: " + ColumnNames.List(table));
                var result = new double[column.Length];
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = column.IsMissing(i) ? double.NaN : Math.Log(1 + column.GetDouble(i));
                }

                CsvWriter.Write(table.With(new Float64Column(name + "_log1p", result)), context.Output("dataset"), cancellationToken);
                await context.Log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{table.RowCount} rows"));
                return new ComponentResult { Values = new Dictionary<string, double> { ["rows"] = table.RowCount } };
            }
        }

        """;

    private static string TestSource(string project, string type) => $$"""
        using Toolkit.Ml.Data;
        using Toolkit.Sdk;
        using Xunit;

        namespace {{project}}.Tests;

        public sealed class {{type}}Tests
        {
            [Fact]
            public async Task RunAsync_NumericColumn_AddsLog1pAndKeepsMissing()
            {
                var rows = new DataTable([new Float64Column("x", [0, Math.E - 1, double.NaN])]);

                var result = await ComponentTest.RunAsync(new {{type}}(), new Dictionary<string, DataTable> { ["dataset"] = rows },
                    new Dictionary<string, string> { ["column"] = "x" });

                var log = result.Dataset("dataset")["x_log1p"];
                Assert.Equal(0, log.GetDouble(0), 12);
                Assert.Equal(1, log.GetDouble(1), 12);
                Assert.True(log.IsMissing(2));
                Assert.Equal(3, result.Values["rows"]);
            }
        }

        """;

    private static string? FindSdk(string folder) => Above(folder, Path.Combine("src", "Toolkit.Sdk", "Toolkit.Sdk.csproj"));

    private static string? Above(string folder, string relative)
    {
        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Relative(string from, string to) => Path.GetRelativePath(from, to).Replace('\\', '/');

    // churn → Churn, log-scale → LogScale; a part starting with a digit gets a letter (C# names cannot).
    private static string Pascal(string part)
    {
        var text = string.Concat(part.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        return char.IsLetter(text[0]) ? text : "C" + text;
    }
}
