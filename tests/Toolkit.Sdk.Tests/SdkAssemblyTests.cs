using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Pipelines.Components;

namespace Toolkit.Sdk.Tests;

public sealed class SdkAssemblyTests
{
    [Fact]
    public void Assembly_TeamFacingTypes_LiveInTheSdkWithTheirNamespaces()
    {
        Type[] types = [typeof(DataTable), typeof(Float32Column), typeof(CategoricalColumn), typeof(Schema), typeof(DataFormatException),
            typeof(CsvReader), typeof(IComponent), typeof(ComponentDescriptor), typeof(ComponentParameter), typeof(ComponentContext),
            typeof(FeatureTransform), typeof(FittedTransform)];

        types.Select(t => t.Assembly.GetName().Name).Distinct().Should().Equal("Toolkit.Sdk");
    }

    [Fact]
    public void Assembly_References_NoOtherToolkitAssembly()
    {
        // The SDK is the lowest assembly: a team project referencing it pulls in nothing else of ours.
        var references = typeof(FeatureTransform).Assembly.GetReferencedAssemblies().Select(a => a.Name!);

        references.Where(n => n.StartsWith("Toolkit.", StringComparison.Ordinal)).Should().BeEmpty();
    }
}
