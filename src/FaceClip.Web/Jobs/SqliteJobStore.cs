using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace FaceClip.Web.Jobs;

/// <summary>Job records in SQLite (<c>&lt;data&gt;/jobs.db</c>): the embedded backend of a single machine.</summary>
public sealed class SqliteJobStore : JobStore
{
    private readonly string _connectionString;

    public SqliteJobStore(string dataDirectory) : base(dataDirectory)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataDirectory, "jobs.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY,
                created_at TEXT NOT NULL,
                started_at TEXT,
                finished_at TEXT,
                status TEXT NOT NULL,
                input_file TEXT NOT NULL,
                request TEXT NOT NULL,
                error TEXT,
                artifacts TEXT NOT NULL DEFAULT '[]'
            );
            CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at);
            """);
        if (!HasColumn(connection, "jobs", "owner"))
        {
            // Jobs from before owners belong to nobody: no one sees them and retention removes them.
            Execute(connection, "ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT ''");
        }

        Execute(connection, "CREATE INDEX IF NOT EXISTS jobs_owner_created ON jobs(owner, created_at)");
    }

    protected override async Task InsertAsync(JobRecord record, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO jobs (id, owner, created_at, status, input_file, request) VALUES ($id, $owner, $created, $status, $input, $request)";
        command.Parameters.AddWithValue("$id", record.Id);
        command.Parameters.AddWithValue("$owner", record.Owner);
        command.Parameters.AddWithValue("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$status", record.Status.ToString());
        command.Parameters.AddWithValue("$input", record.InputFileName);
        command.Parameters.AddWithValue("$request", JsonSerializer.Serialize(record.Request, Json));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task<JobRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM jobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public override async Task<IReadOnlyList<string>> CreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM jobs WHERE created_at < $cutoff ORDER BY created_at";
        command.Parameters.AddWithValue("$cutoff", cutoff.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        return (await ReadAllAsync(command, cancellationToken)).Select(r => r.Id).ToList();
    }

    protected override async Task DeleteRecordAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM jobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<IReadOnlyList<JobRecord>> PageAsync(string owner, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM jobs WHERE owner = $owner ORDER BY created_at DESC LIMIT $take OFFSET $skip";
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$take", Math.Max(0, take));
        command.Parameters.AddWithValue("$skip", Math.Max(0, skip));
        return await ReadAllAsync(command, cancellationToken);
    }

    public override async Task<int> CountAsync(string owner, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM jobs WHERE owner = $owner";
        command.Parameters.AddWithValue("$owner", owner);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public override async Task<bool> MarkRunningAsync(string id, CancellationToken cancellationToken = default) =>
        await UpdateAsync(id, "status = $status, started_at = $now", "status = $queued", cancellationToken,
            ("$status", nameof(JobStatus.Running)), ("$queued", nameof(JobStatus.Queued))) > 0;

    public override Task MarkFinishedAsync(string id, JobStatus status, string? error, IReadOnlyList<string> artifacts, CancellationToken cancellationToken = default) =>
        UpdateAsync(id, "status = $status, finished_at = $now, error = $error, artifacts = $artifacts", null, cancellationToken,
            ("$status", status.ToString()), ("$error", (object?)error ?? DBNull.Value), ("$artifacts", JsonSerializer.Serialize(artifacts, Json)));

    public override async Task<bool> RequeueAsync(string id, CancellationToken cancellationToken = default) =>
        await UpdateAsync(id, "status = $queued, started_at = NULL", "status = $running", cancellationToken,
            ("$queued", nameof(JobStatus.Queued)), ("$running", nameof(JobStatus.Running))) > 0;

    public override async Task<IReadOnlyList<string>> RecoverAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using (var interrupt = connection.CreateCommand())
        {
            interrupt.CommandText = "UPDATE jobs SET status = $interrupted, finished_at = $now, error = $error WHERE status = $running";
            interrupt.Parameters.AddWithValue("$interrupted", nameof(JobStatus.Interrupted));
            interrupt.Parameters.AddWithValue("$running", nameof(JobStatus.Running));
            interrupt.Parameters.AddWithValue("$error", InterruptedMessage);
            interrupt.Parameters.AddWithValue("$now", Now());
            await interrupt.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var queued = connection.CreateCommand();
        queued.CommandText = "SELECT id FROM jobs WHERE status = $queued ORDER BY created_at";
        queued.Parameters.AddWithValue("$queued", nameof(JobStatus.Queued));
        await using var reader = await queued.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task<IReadOnlyList<JobRecord>> ReadAllAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<JobRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    private async Task<int> UpdateAsync(string id, string set, string? condition, CancellationToken cancellationToken, params (string Name, object Value)[] values)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE jobs SET {set} WHERE id = $id" + (condition is null ? "" : $" AND {condition}");
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", Now());
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    private static JobRecord Read(SqliteDataReader r)
    {
        DateTimeOffset? Time(string column) =>
            r.IsDBNull(r.GetOrdinal(column)) ? null : DateTimeOffset.Parse(r.GetString(r.GetOrdinal(column)), CultureInfo.InvariantCulture);

        return new JobRecord
        {
            Id = r.GetString(r.GetOrdinal("id")),
            Owner = r.GetString(r.GetOrdinal("owner")),
            CreatedAt = Time("created_at")!.Value,
            StartedAt = Time("started_at"),
            FinishedAt = Time("finished_at"),
            Status = Enum.Parse<JobStatus>(r.GetString(r.GetOrdinal("status"))),
            InputFileName = r.GetString(r.GetOrdinal("input_file")),
            Request = JsonSerializer.Deserialize<JobRequest>(r.GetString(r.GetOrdinal("request")), Json)!,
            Error = r.IsDBNull(r.GetOrdinal("error")) ? null : r.GetString(r.GetOrdinal("error")),
            Artifacts = JsonSerializer.Deserialize<List<string>>(r.GetString(r.GetOrdinal("artifacts")), Json) ?? [],
        };
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static bool HasColumn(SqliteConnection connection, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = $column";
        command.Parameters.AddWithValue("$column", column);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
