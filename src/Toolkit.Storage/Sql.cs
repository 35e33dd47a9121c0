using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Toolkit.Storage;

/// <summary>Small parameterised-command helpers and the one timestamp format (UTC, fixed width, so text order is time order).</summary>
public static class Sql
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static Task<int> ExecuteAsync(SqliteTransaction tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return ExecuteAsync(tx.Connection!, tx, sql, cancellationToken, args);
    }

    public static async Task<int> ExecuteAsync(
        SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(connection, tx, sql, args);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(SqliteTransaction tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        ArgumentNullException.ThrowIfNull(tx);
        await using var command = Command(tx.Connection!, tx, sql, args);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    public static async Task<List<T>> QueryAsync<T>(
        SqliteTransaction tx, string sql, Func<SqliteDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(read);
        await using var command = Command(tx.Connection!, tx, sql, args);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static string? GetNullableString(SqliteDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    public static int? GetNullableInt32(SqliteDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, (string Name, object? Value)[] args)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
