using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Toolkit.Ml.Data;

namespace Toolkit.Ml.Models;

/// <summary>
/// SHA-256 of a table's content (names, types, categories, values), independent of the file it came
/// from: the same data read from CSV or generated in memory has the same digest.
/// </summary>
public static class DataDigest
{
    public static string Compute(DataTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[8];
        foreach (var column in table.Columns)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(column.Name));
            buffer[0] = (byte)column.Type;
            hash.AppendData(buffer[..1]);
            BitConverter.TryWriteBytes(buffer, (long)column.Length);
            hash.AppendData(buffer);
            switch (column)
            {
                case Float32Column f:
                    hash.AppendData(MemoryMarshal.AsBytes(f.Values));
                    break;
                case Float64Column d:
                    hash.AppendData(MemoryMarshal.AsBytes(d.Values));
                    break;
                case CategoricalColumn c:
                    // Hash the text, not the codes: two tables with the same values but categories
                    // discovered in another order are the same data.
                    for (var i = 0; i < c.Length; i++)
                    {
                        var v = c[i];
                        hash.AppendData(v is null ? [0xFF] : Encoding.UTF8.GetBytes(v + "\0"));
                    }

                    break;
                default:
                    throw new NotSupportedException($"Column type {column.GetType().Name} is not supported.");
            }
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
