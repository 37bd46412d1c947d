using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace FaceClip.Web.Jobs;

/// <summary>Jobs persisted in SQLite (<c>data/jobs.db</c>) with their files under <c>data/jobs/&lt;id&gt;/</c>.
/// Every write of a file goes to a temporary name first and is then moved into place.</summary>
public sealed class JobStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _connectionString;

    public JobStore(string dataDirectory)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(JobsDirectory);
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

    /// <summary>The scaled-down copy of a large photo that the worker reads instead of the photo (never served).</summary>
    public const string WorkingCopyName = "working.jpg";

    public string DataDirectory { get; }

    /// <summary>The image a worker fits: the working copy when the photo was scaled down at upload, else the photo.</summary>
    public string WorkerInput(JobRecord record)
    {
        var folder = JobDirectory(record.Id);
        var working = Path.Combine(folder, WorkingCopyName);
        return File.Exists(working) ? working : Path.Combine(folder, record.InputFileName);
    }

    public string JobsDirectory => Path.Combine(DataDirectory, "jobs");

    /// <summary>The folder of one job. Only well-formed ids reach the file system.</summary>
    public string JobDirectory(string id)
    {
        if (!JobIds.IsWellFormed(id))
        {
            throw new ArgumentException("Malformed job id.", nameof(id));
        }

        return Path.Combine(JobsDirectory, id);
    }

    /// <summary>Creates a job from an uploaded image (written atomically) in the <see cref="JobStatus.Queued"/> state.</summary>
    public async Task<JobRecord> CreateAsync(string owner, string inputFileName, Stream image, JobRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var id = JobIds.New();
        var folder = JobDirectory(id);
        Directory.CreateDirectory(folder);
        await WriteFileAsync(id, inputFileName, image, cancellationToken);
        var record = new JobRecord
        {
            Id = id,
            Owner = owner,
            CreatedAt = DateTimeOffset.UtcNow,
            Status = JobStatus.Queued,
            InputFileName = inputFileName,
            Request = request,
        };
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO jobs (id, owner, created_at, status, input_file, request) VALUES ($id, $owner, $created, $status, $input, $request)";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$created", record.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$status", record.Status.ToString());
        command.Parameters.AddWithValue("$input", inputFileName);
        command.Parameters.AddWithValue("$request", JsonSerializer.Serialize(request, Json));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return record;
    }

    /// <summary>Writes a file of a job: to a temporary name, then moved into place.</summary>
    public async Task WriteFileAsync(string id, string name, Stream content, CancellationToken cancellationToken)
    {
        var path = Path.Combine(JobDirectory(id), name);
        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var output = File.Create(temporary))
            {
                await content.CopyToAsync(output, cancellationToken);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>A job if <paramref name="owner"/> owns it, else null: to anyone else a job does not exist.</summary>
    public async Task<JobRecord?> GetOwnedAsync(string id, string? owner, CancellationToken cancellationToken = default) =>
        owner is { Length: > 0 } && await GetAsync(id, cancellationToken) is { } record && record.Owner == owner ? record : null;

    /// <summary>A job whoever owns it (for the worker and the retention purge; requests go through <see cref="GetOwnedAsync"/>).</summary>
    public async Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!JobIds.IsWellFormed(id))
        {
            return null;
        }

        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM jobs WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>An owner's newest jobs.</summary>
    public Task<IReadOnlyList<JobRecord>> ListAsync(string owner, int limit = 100, CancellationToken cancellationToken = default) =>
        PageAsync(owner, 0, limit, cancellationToken);

    /// <summary>The ids of every job created before <paramref name="cutoff"/>, whoever owns it (the retention purge).</summary>
    public async Task<IReadOnlyList<string>> CreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM jobs WHERE created_at < $cutoff ORDER BY created_at";
        command.Parameters.AddWithValue("$cutoff", cutoff.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        return (await ReadAllAsync(command, cancellationToken)).Select(r => r.Id).ToList();
    }

    /// <summary>Removes a job's record and every file of it (photo, artifacts, temporary files).</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using (var connection = Open())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "DELETE FROM jobs WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        DeleteFiles(id);
    }

    /// <summary>Removes a job's folder (again, after a worker that was still running on it has stopped).</summary>
    public void DeleteFiles(string id)
    {
        var folder = JobDirectory(id);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
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

    /// <summary>One page of an owner's jobs, newest first.</summary>
    public async Task<IReadOnlyList<JobRecord>> PageAsync(string owner, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM jobs WHERE owner = $owner ORDER BY created_at DESC LIMIT $take OFFSET $skip";
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$take", Math.Max(0, take));
        command.Parameters.AddWithValue("$skip", Math.Max(0, skip));
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>How many jobs an owner has.</summary>
    public async Task<int> CountAsync(string owner, CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM jobs WHERE owner = $owner";
        command.Parameters.AddWithValue("$owner", owner);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public Task MarkRunningAsync(string id, CancellationToken cancellationToken = default) =>
        UpdateAsync(id, "status = $status, started_at = $now", cancellationToken, ("$status", nameof(JobStatus.Running)));

    /// <summary>Records how a job ended; the job's files are already in place.</summary>
    public Task MarkFinishedAsync(string id, JobStatus status, string? error, IReadOnlyList<string> artifacts, CancellationToken cancellationToken = default) =>
        UpdateAsync(id, "status = $status, finished_at = $now, error = $error, artifacts = $artifacts", cancellationToken,
            ("$status", status.ToString()), ("$error", (object?)error ?? DBNull.Value), ("$artifacts", JsonSerializer.Serialize(artifacts, Json)));

    /// <summary>At start-up: jobs that were running when the server stopped become <see cref="JobStatus.Interrupted"/>;
    /// the ids of jobs still queued are returned so they can be queued again.</summary>
    public async Task<IReadOnlyList<string>> RecoverAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using (var interrupt = connection.CreateCommand())
        {
            interrupt.CommandText = "UPDATE jobs SET status = $interrupted, finished_at = $now, error = 'The server stopped while this job was running.' WHERE status = $running";
            interrupt.Parameters.AddWithValue("$interrupted", nameof(JobStatus.Interrupted));
            interrupt.Parameters.AddWithValue("$running", nameof(JobStatus.Running));
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

    private async Task UpdateAsync(string id, string set, CancellationToken cancellationToken, params (string Name, object Value)[] values)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE jobs SET {set} WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", Now());
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
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
