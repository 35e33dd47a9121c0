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

    /// <summary>
    /// Brings the schema to <c>migrations.Count</c> in one <c>BEGIN IMMEDIATE</c> transaction (two
    /// processes opening a fresh file migrate it once, one after the other). <c>schema_version</c>
    /// holds the version; migration <c>i</c> (1-based) is <c>migrations[i - 1]</c>. A file newer than
    /// the code is refused with the exception <paramref name="tooNew"/> makes from (found, known).
    /// </summary>
    public static async Task MigrateAsync(
        SqliteConnection connection, IReadOnlyList<string> migrations, Func<int, int, Exception> tooNew, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(migrations);
        ArgumentNullException.ThrowIfNull(tooNew);
        var latest = migrations.Count;

        // Up to date: nothing is written (a read-only store opens, and an open takes no write lock).
        if (await CurrentVersionAsync(connection, cancellationToken) is { } found && found == latest)
        {
            return;
        }

        await using var tx = connection.BeginTransaction(deferred: false);
        await ExecuteAsync(tx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", cancellationToken);
        var current = await ScalarAsync(tx, "SELECT version FROM schema_version", cancellationToken);
        var version = current is null ? 0 : Convert.ToInt32(current, CultureInfo.InvariantCulture);
        if (version > latest)
        {
            throw tooNew(version, latest);
        }

        for (var next = version + 1; next <= latest; next++)
        {
            await ExecuteAsync(tx, migrations[next - 1], cancellationToken);
        }

        if (current is null)
        {
            await ExecuteAsync(tx, "INSERT INTO schema_version (version) VALUES ($v)", cancellationToken, ("$v", latest));
        }
        else if (version != latest)
        {
            await ExecuteAsync(tx, "UPDATE schema_version SET version = $v", cancellationToken, ("$v", latest));
        }

        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The schema version recorded in the file, or null when it has none (a new file).</summary>
    public static async Task<int?> CurrentVersionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (await command.ExecuteScalarAsync(cancellationToken) is null)
        {
            return null;
        }

        command.CommandText = "SELECT version FROM schema_version";
        return await command.ExecuteScalarAsync(cancellationToken) is { } v and not DBNull ? Convert.ToInt32(v, CultureInfo.InvariantCulture) : null;
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
