using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace FaceClip.Web.Owners;

/// <summary>API keys issued to owners from the UI, kept as SHA-256 hashes in <c>data/keys.db</c> (the key itself is
/// shown once, when it is issued).</summary>
public sealed class ApiKeyStore
{
    private const string Prefix = "fck_";
    private readonly string _connectionString;

    public ApiKeyStore(string dataDirectory)
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

    /// <summary>Issues a new key for an owner and returns it (only its hash is stored).</summary>
    public async Task<string> IssueAsync(string owner, CancellationToken cancellationToken = default)
    {
        var key = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO api_keys (hash, owner, created_at) VALUES ($hash, $owner, $now)";
        command.Parameters.AddWithValue("$hash", Hash(key));
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return key;
    }

    /// <summary>The owner an issued key stands for, or null.</summary>
    public async Task<string?> FindOwnerAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length > 128)
        {
            return null;
        }

        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT owner FROM api_keys WHERE hash = $hash";
        command.Parameters.AddWithValue("$hash", Hash(key));
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
