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

    private SqliteDatabase(SqliteConnection connection, string path, bool readOnly)
    {
        _connection = connection;
        Path = path;
        IsReadOnly = readOnly;
    }

    public string Path { get; }

    /// <summary>
    /// Opened read-only: the file exists but this user may not write it or its folder (another user's store,
    /// a read-only mount). Reads work; <see cref="WriteAsync{T}"/> refuses with a <see cref="ReadOnlyStoreException"/> naming the file.
    /// </summary>
    public bool IsReadOnly { get; }

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
        var readOnly = File.Exists(fullPath) && !CanWrite(fullPath);
        if (!readOnly)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            // Read-only: immutable, so SQLite needs no -wal/-shm files it could not create in a read-only folder.
            DataSource = readOnly ? new Uri(fullPath).AbsoluteUri + "?immutable=1" : fullPath,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,

            // One long-lived connection per instance; pooling would keep the file open after disposal.
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await Sql.ExecuteAsync(connection, null, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};"), cancellationToken);
            if (!readOnly)
            {
                await Sql.ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken);
                await Sql.ExecuteAsync(connection, null, durable ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;", cancellationToken);
            }

            await Sql.ExecuteAsync(connection, null, "PRAGMA foreign_keys = ON;", cancellationToken);
            try
            {
                await migrate(connection, cancellationToken);
            }
            catch (SqliteException ex) when (readOnly || ex.SqliteErrorCode == ReadOnlyError)
            {
                throw new ReadOnlyStoreException(fullPath, "it needs a schema upgrade, which a read-only store cannot take", ex);
            }

            return new SqliteDatabase(connection, fullPath, readOnly);
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
        if (IsReadOnly)
        {
            throw new ReadOnlyStoreException(Path, "this command writes to it", null);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var tx = _connection.BeginTransaction(deferred: false);
            var result = await work(tx);
            await tx.CommitAsync(cancellationToken);
            return result;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == ReadOnlyError)
        {
            throw new ReadOnlyStoreException(Path, "this command writes to it", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>SQLITE_READONLY: "attempt to write a readonly database", which names no file.</summary>
    private const int ReadOnlyError = 8;

    /// <summary>Whether this user can write the file and create the journal files beside it.</summary>
    private static bool CanWrite(string file)
    {
        try
        {
            using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            {
            }

            // WAL needs the folder too (-wal and -shm files); a probe that deletes itself on close.
            var probe = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(file)!, $".write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return false;
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
