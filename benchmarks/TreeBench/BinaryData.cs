using Toolkit.Ml.Training;

namespace TreeBench;

/// <summary>Reads the binary dump peers.py writes: int32 rows, int32 cols, float32 column-major features, float64 labels.</summary>
internal static class BinaryData
{
    public static (FeatureMatrix Features, double[] Label) Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var rows = reader.ReadInt32();
        var cols = reader.ReadInt32();
        var columns = new float[cols][];
        for (var j = 0; j < cols; j++)
        {
            columns[j] = new float[rows];
            reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(columns[j].AsSpan()));
        }

        var label = new double[rows];
        reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(label.AsSpan()));
        var names = Enumerable.Range(0, cols).Select(j => "f" + j.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (new FeatureMatrix(names, columns), label);
    }
}
