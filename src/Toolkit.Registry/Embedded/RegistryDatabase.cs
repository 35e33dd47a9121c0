using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Toolkit.Registry.Embedded;

/// <summary>
/// The registry's SQLite file (WAL mode). Several processes may write it at once: every write is one
/// <c>BEGIN IMMEDIATE</c> transaction, so the write lock is taken up front and writers queue on the busy
/// timeout instead of failing on a lock upgrade. One instance holds one connection and serialises its callers.
/// </summary>
internal sealed class RegistryDatabase : IAsyncDisposable
{
    /// <summary>How long a writer waits for another process's transaction before giving up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private RegistryDatabase(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    public static async Task<RegistryDatabase> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,

            // One long-lived connection per instance; pooling would keep the file open after disposal.
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};"), cancellationToken);
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken);

            // FULL: a registration acknowledged to the caller survives a power cut, not only a process crash.
            await ExecuteAsync(connection, null, "PRAGMA synchronous = FULL;", cancellationToken);
            await ExecuteAsync(connection, null, "PRAGMA foreign_keys = ON;", cancellationToken);
            await RegistrySchema.MigrateAsync(connection, cancellationToken);
            return new RegistryDatabase(connection, fullPath);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<T> WriteAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // deferred: false issues BEGIN IMMEDIATE.
            await using var tx = _connection.BeginTransaction(deferred: false);
            var result = await work(tx);
            await tx.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<T> ReadAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // One read transaction gives multi-query reads one consistent snapshot.
            await using var tx = _connection.BeginTransaction(deferred: true);
            var result = await work(tx);
            await tx.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _gate.Dispose();
    }

    internal static Task<int> ExecuteAsync(SqliteTransaction tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args) =>
        ExecuteAsync(tx.Connection!, tx, sql, cancellationToken, args);

    internal static async Task<int> ExecuteAsync(
        SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(connection, tx, sql, args);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static async Task<object?> ScalarAsync(SqliteTransaction tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(tx.Connection!, tx, sql, args);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    internal static async Task<List<T>> QueryAsync<T>(
        SqliteTransaction tx, string sql, Func<SqliteDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] args)
    {
        await using var command = Command(tx.Connection!, tx, sql, args);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>UTC, fixed width: text order is time order.</summary>
    internal static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    internal static string? GetNullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    internal static int? GetNullableInt32(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

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
