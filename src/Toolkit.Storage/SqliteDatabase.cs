using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Toolkit.Storage;

/// <summary>
/// One SQLite file shared by several processes (the metadata store, the embedded registry): WAL mode,
/// foreign keys on, and every write one <c>BEGIN IMMEDIATE</c> transaction, so the write lock is taken
/// up front and concurrent writers queue on the busy timeout instead of failing on a lock upgrade.
/// One instance holds one connection and serialises its callers.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>How long a writer waits for another process's transaction before giving up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteDatabase(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens (creating the folder and file as needed) and brings the schema up to date with <paramref name="migrate"/>.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="durable">True: <c>synchronous = FULL</c>, an acknowledged write survives a power cut, not only a crash.</param>
    /// <param name="migrate">Creates or upgrades the schema on the open connection.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async Task<SqliteDatabase> OpenAsync(
        string path, bool durable, Func<SqliteConnection, CancellationToken, Task> migrate, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(migrate);
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
            await Sql.ExecuteAsync(connection, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};"), cancellationToken);
            await Sql.ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken);
            await Sql.ExecuteAsync(connection, null, durable ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;", cancellationToken);
            await Sql.ExecuteAsync(connection, null, "PRAGMA foreign_keys = ON;", cancellationToken);
            await migrate(connection, cancellationToken);
            return new SqliteDatabase(connection, fullPath);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction (<c>BEGIN IMMEDIATE</c>) and commits it.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _gate.WaitAsync(cancellationToken);
        try
        {
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

    /// <summary>Runs <paramref name="work"/> in one read transaction: several queries see one consistent snapshot.</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _gate.WaitAsync(cancellationToken);
        try
        {
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

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _gate.Dispose();
    }
}
