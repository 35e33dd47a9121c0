using System.Text;
using Toolkit.Yaml;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Core.Tests;

public sealed class YamlTextTests
{
    [Fact]
    public void Load_Mapping_ReturnsTheRoot()
    {
        var load = YamlText.Load("name: a\nsteps: [1, 2]\n", "a spec");

        load.Problem.Should().BeNull();
        var root = load.Root.Should().BeOfType<YamlMappingNode>().Subject;
        YamlText.Get(root, "name").Should().BeOfType<YamlScalarNode>().Which.Value.Should().Be("a");
        YamlText.Get(root, "missing").Should().BeNull();
    }

    [Fact]
    public void Load_SyntaxError_NamesLineAndColumn()
    {
        var load = YamlText.Load("name: a\nsteps: b: c\n", "a spec");

        load.Root.Should().BeNull();
        load.Problem!.Message.Should().StartWith("not valid YAML: ");
        load.Problem.Position.Should().Be(new YamlPosition(2, 9));
    }

    [Fact]
    public void Load_Empty_SaysWhatWasExpected()
    {
        var load = YamlText.Load("", "a pipeline is a mapping");

        load.Problem!.Message.Should().Be("the file is empty; a pipeline is a mapping");
    }

    [Fact]
    public void Load_TwoDocuments_Refused()
    {
        var load = YamlText.Load("a: 1\n---\nb: 2\n", "a spec");

        load.Problem!.Message.Should().Contain("one YAML document");
        load.Problem.Position.Line.Should().Be(3);
    }

    [Theory]
    [InlineData(20_000)]
    [InlineData(YamlText.MaxDepth + 1)]
    public void Load_NestedTooDeep_RefusedWithoutOverflow(int depth)
    {
        var yaml = "with: " + new string('[', depth) + new string(']', depth) + "\n";

        var load = YamlText.Load(yaml, "a spec");

        load.Root.Should().BeNull();
        load.Problem!.Message.Should().Be($"nested more than {YamlText.MaxDepth} levels deep");
    }

    [Fact]
    public void Load_AtTheDepthLimit_Accepted()
    {
        // The root mapping is one level; the lists make up the rest.
        var depth = YamlText.MaxDepth - 1;
        var yaml = "with: " + new string('[', depth) + new string(']', depth) + "\n";

        YamlText.Load(yaml, "a spec").Problem.Should().BeNull();
    }

    [Fact]
    public void Load_BillionLaughs_RefusedQuickly()
    {
        // Each level refers to the previous one ten times: 10^9 values once expanded.
        var yaml = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i <= 9; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"a{i}: &a{i} [");
            yaml.Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10)));
            yaml.Append("]\n");
        }

        var load = YamlText.Load(yaml.ToString(), "a spec");

        load.Root.Should().BeNull();
        load.Problem!.Message.Should().Contain("aliases");
    }

    [Fact]
    public void UnknownKeys_Typo_ComesWithSuggestion()
    {
        var root = (YamlMappingNode)YamlText.Load("nmae: a\nsteps: []\n", "a spec").Root!;

        var unknown = YamlText.UnknownKeys(root, ["name", "steps"]).ToList();

        unknown.Should().ContainSingle();
        unknown[0].Key.Should().Be("nmae");
        unknown[0].Suggestion.Should().Be("; did you mean 'name'?");
        YamlPosition.Of(unknown[0].Node).Should().Be(new YamlPosition(1, 1));
    }

    [Theory]
    [InlineData("? [a, b]\n: 1\n", "not a list")]
    [InlineData("outer:\n  ? { a: 1 }\n  : 2\n", "not a mapping")]
    public void Load_ComplexKey_RefusedWithPosition(string yaml, string expected)
    {
        var load = YamlText.Load(yaml, "x");

        load.Root.Should().BeNull();
        load.Problem!.Message.Should().Contain("a key must be a plain name").And.Contain(expected);
    }
}
