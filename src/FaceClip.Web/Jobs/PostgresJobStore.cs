using System.Data.Common;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace FaceClip.Web.Jobs;

/// <summary>Job records in PostgreSQL: the distributed backend, shared by every web node and worker (the files stay in
/// the shared data folder). The schema is created on first use, under an advisory lock so nodes starting together do
/// not race.</summary>
public sealed class PostgresJobStore : JobStore, IDisposable
{
    private const long SchemaLock = 0x46616365436c6970; // "FaceClip"
    private readonly NpgsqlDataSource _source;

    public PostgresJobStore(string dataDirectory, string connectionString) : base(dataDirectory)
    {
        _source = PostgresSchema.Open(connectionString, SchemaLock, """
            CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                started_at TIMESTAMPTZ,
                finished_at TIMESTAMPTZ,
                status TEXT NOT NULL,
                input_file TEXT NOT NULL,
                request JSONB NOT NULL,
                error TEXT,
                artifacts JSONB NOT NULL DEFAULT '[]'
            );
            CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at);
            CREATE INDEX IF NOT EXISTS jobs_owner_created ON jobs(owner, created_at);
            """);
    }

    protected override async Task InsertAsync(JobRecord record, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand(
            "INSERT INTO jobs (id, owner, created_at, status, input_file, request) VALUES (@id, @owner, @created, @status, @input, @request)");
        command.Parameters.AddWithValue("id", record.Id);
        command.Parameters.AddWithValue("owner", record.Owner);
        command.Parameters.AddWithValue("created", record.CreatedAt.ToUniversalTime());
        command.Parameters.AddWithValue("status", record.Status.ToString());
        command.Parameters.AddWithValue("input", record.InputFileName);
        command.Parameters.AddWithValue("request", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(record.Request, Json));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task<JobRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"SELECT {Columns} FROM jobs WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return (await ReadAllAsync(command, cancellationToken)).FirstOrDefault();
    }

    public override async Task<IReadOnlyList<string>> CreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT id FROM jobs WHERE created_at < @cutoff ORDER BY created_at");
        command.Parameters.AddWithValue("cutoff", cutoff.ToUniversalTime());
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    protected override async Task DeleteRecordAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand("DELETE FROM jobs WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<IReadOnlyList<JobRecord>> PageAsync(string owner, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand($"SELECT {Columns} FROM jobs WHERE owner = @owner ORDER BY created_at DESC LIMIT @take OFFSET @skip");
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("take", Math.Max(0, take));
        command.Parameters.AddWithValue("skip", Math.Max(0, skip));
        return await ReadAllAsync(command, cancellationToken);
    }

    public override async Task<int> CountAsync(string owner, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT COUNT(*) FROM jobs WHERE owner = @owner");
        command.Parameters.AddWithValue("owner", owner);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
    }

    public override Task<bool> MarkRunningAsync(string id, CancellationToken cancellationToken = default) =>
        MoveAsync(id, JobStatus.Queued, JobStatus.Running, "now()", cancellationToken);

    public override async Task MarkFinishedAsync(string id, JobStatus status, string? error, IReadOnlyList<string> artifacts, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("UPDATE jobs SET status = @status, finished_at = now(), error = @error, artifacts = @artifacts WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("status", status.ToString());
        command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("artifacts", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(artifacts, Json));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override Task<bool> RequeueAsync(string id, CancellationToken cancellationToken = default) =>
        MoveAsync(id, JobStatus.Running, JobStatus.Queued, "NULL", cancellationToken);

    /// <summary>Moves a job from one status to another (and sets when it started) only if it is in the first.</summary>
    private async Task<bool> MoveAsync(string id, JobStatus from, JobStatus to, string startedAt, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"UPDATE jobs SET status = @to, started_at = {startedAt} WHERE id = @id AND status = @from");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("from", from.ToString());
        command.Parameters.AddWithValue("to", to.ToString());
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>Many nodes share these records: a node that starts knows nothing of the others' jobs, so nothing is
    /// interrupted or queued again here (the queue reclaims the jobs of a worker that died).</summary>
    public override Task<IReadOnlyList<string>> RecoverAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    private const string Columns = "id, owner, created_at, started_at, finished_at, status, input_file, request::text, error, artifacts::text";

    private static async Task<IReadOnlyList<JobRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<JobRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    private static JobRecord Read(DbDataReader r)
    {
        DateTimeOffset? Time(int column) => r.IsDBNull(column) ? null : new DateTimeOffset(r.GetFieldValue<DateTime>(column), TimeSpan.Zero);

        return new JobRecord
        {
            Id = r.GetString(0),
            Owner = r.GetString(1),
            CreatedAt = Time(2)!.Value,
            StartedAt = Time(3),
            FinishedAt = Time(4),
            Status = Enum.Parse<JobStatus>(r.GetString(5)),
            InputFileName = r.GetString(6),
            Request = JsonSerializer.Deserialize<JobRequest>(r.GetString(7), Json)!,
            Error = r.IsDBNull(8) ? null : r.GetString(8),
            Artifacts = JsonSerializer.Deserialize<List<string>>(r.GetString(9), Json) ?? [],
        };
    }

    public void Dispose() => _source.Dispose();
}
