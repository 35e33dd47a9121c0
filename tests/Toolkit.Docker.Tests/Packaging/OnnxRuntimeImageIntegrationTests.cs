using System.Globalization;
using Toolkit.Docker.Containers;

namespace Toolkit.Docker.Tests.Packaging;

/// <summary>
/// ONNX Runtime in the published image: the publish names a runtime, so only linux-x64's native library is
/// shipped (at /app, no runtimes/ folder), and it loads on the base image: the image's mlops scores an ONNX
/// export like the .tkm it came from.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class OnnxRuntimeImageIntegrationTests(DockerFixture fixture)
{
    private const string Script = """
        set -e
        cd /tmp
        mlops() { dotnet /app/mlops.dll "$@"; }
        mlops data synth --generator diabetes --rows 400 --seed 5 --out d.csv >/dev/null
        mlops train --data d.csv --label diabetes --algorithm gradient-boosting --param rounds=15 --seed 5 --out m.tkm >/dev/null
        mlops model export --file m.tkm --format onnx -o m.onnx >/dev/null
        mlops predict --model m.tkm --data d.csv --out tkm.csv >/dev/null
        mlops predict --model m.onnx --data d.csv --out onnx.csv >/dev/null
        echo "native: $(cd /app && ls libonnxruntime*.so | tr '\n' ' ')"
        echo "runtimes: $(ls -d /app/runtimes 2>/dev/null || echo none)"
        echo "== tkm"; cat tkm.csv
        echo "== onnx"; cat onnx.csv
        """;

    [DockerFact]
    public async Task Predict_OnnxModelInComponentsImage_LoadsLinuxNativeLibraryAndScoresLikeTkm()
    {
        var image = await fixture.ComponentsImageAsync();
        var id = await fixture.Client.Containers.CreateAsync(new ContainerCreateRequest
        {
            Image = image.Tags[0],
            Entrypoint = ["/bin/sh", "-c", Script],
            Labels = new Dictionary<string, string> { [DockerFixture.TestLabel] = "onnx-runtime" },
        });
        ContainerLogs logs;
        long exit;
        try
        {
            await fixture.Client.Containers.StartAsync(id);
            exit = await fixture.Client.Containers.WaitAsync(id);
            logs = await fixture.Client.Containers.GetLogsAsync(id);
        }
        finally
        {
            await fixture.Client.Containers.RemoveAsync(id);
        }

        exit.Should().Be(0, logs.StandardError);
        var lines = logs.StandardOutput.Split('\n');
        lines.Should().Contain("native: libonnxruntime.so libonnxruntime_providers_shared.so ");
        lines.Should().Contain("runtimes: none", "a runtime-specific publish carries no other platform's native files");
        var split = Array.IndexOf(lines, "== onnx");
        var tkm = Rows(lines[(Array.IndexOf(lines, "== tkm") + 1)..split]);
        var onnx = Rows(lines[(split + 1)..]);
        tkm.Should().HaveCount(400);
        onnx.Select(r => r.Class).Should().Equal(tkm.Select(r => r.Class));
        for (var i = 0; i < tkm.Count; i++)
        {
            onnx[i].Probability.Should().BeApproximately(tkm[i].Probability, 1e-6, $"row {i + 1}");
        }
    }

    private static List<(string Class, double Probability)> Rows(string[] csv)
    {
        csv[0].Should().Be("prediction,probability");
        return [.. csv[1..].Where(l => l.Length > 0).Select(l => l.Split(',')).Select(f => (f[0], double.Parse(f[1], CultureInfo.InvariantCulture)))];
    }
}
