using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FaceClip.Web.Owners;

/// <summary>API keys issued to owners from the UI, kept as SHA-256 hashes (the key itself is shown once, when it is
/// issued): in <c>data/keys.db</c> on one machine (<see cref="SqliteApiKeyStore"/>), in PostgreSQL in a cluster
/// (<see cref="PostgresApiKeyStore"/>), so a key issued on one web node works on every other.</summary>
public abstract class ApiKeyStore
{
    private const string Prefix = "fck_";

    /// <summary>Issues a new key for an owner and returns it (only its hash is stored).</summary>
    public async Task<string> IssueAsync(string owner, CancellationToken cancellationToken = default)
    {
        var key = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await InsertAsync(Hash(key), owner, cancellationToken);
        return key;
    }

    /// <summary>The owner an issued key stands for, or null.</summary>
    public Task<string?> FindOwnerAsync(string key, CancellationToken cancellationToken = default) =>
        !key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length > 128
            ? Task.FromResult<string?>(null)
            : FindByHashAsync(Hash(key), cancellationToken);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    protected abstract Task InsertAsync(string hash, string owner, CancellationToken cancellationToken);

    protected abstract Task<string?> FindByHashAsync(string hash, CancellationToken cancellationToken);
}

/// <summary>Issued keys in <c>data/keys.db</c>.</summary>
public sealed class SqliteApiKeyStore : ApiKeyStore
{
    private readonly string _connectionString;

    public SqliteApiKeyStore(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(Path.GetFullPath(dataDirectory), "keys.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS api_keys (
                hash TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            """;
        command.ExecuteNonQuery();
    }

    protected override async Task InsertAsync(string hash, string owner, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO api_keys (hash, owner, created_at) VALUES ($hash, $owner, $now)";
        command.Parameters.AddWithValue("$hash", hash);
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task<string?> FindByHashAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT owner FROM api_keys WHERE hash = $hash";
        command.Parameters.AddWithValue("$hash", hash);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}

/// <summary>Issued keys in PostgreSQL, shared by every web node of a cluster.</summary>
public sealed class PostgresApiKeyStore : ApiKeyStore, IDisposable
{
    private readonly NpgsqlDataSource _source;

    public PostgresApiKeyStore(string connectionString)
    {
        _source = FaceClip.Web.Jobs.PostgresSchema.Open(connectionString, 0x46616365436c6971L,
            "CREATE TABLE IF NOT EXISTS api_keys (hash TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());");
    }

    protected override async Task InsertAsync(string hash, string owner, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand("INSERT INTO api_keys (hash, owner) VALUES (@hash, @owner)");
        command.Parameters.AddWithValue("hash", hash);
        command.Parameters.AddWithValue("owner", owner);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task<string?> FindByHashAsync(string hash, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand("SELECT owner FROM api_keys WHERE hash = @hash");
        command.Parameters.AddWithValue("hash", hash);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public void Dispose() => _source.Dispose();
}
