using System.Text.Json;

namespace FaceClip.Web.Jobs;

/// <summary>
/// Where jobs are kept: the records in a database (<see cref="SqliteJobStore"/> for one machine,
/// <see cref="PostgresJobStore"/> for many) and each job's files under <c>&lt;data&gt;/jobs/&lt;id&gt;/</c>, a folder every
/// node of a cluster shares. Every write of a file goes to a temporary name first and is then moved into place, so a
/// reader never sees half a file, and writing the same file again (a job run a second time) replaces it whole.
/// </summary>
public abstract class JobStore
{
    protected static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected JobStore(string dataDirectory)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(JobsDirectory);
    }

    /// <summary>The scaled-down copy of a large photo that the worker reads instead of the photo (never served).</summary>
    public const string WorkingCopyName = "working.jpg";

    public string DataDirectory { get; }

    public string JobsDirectory => Path.Combine(DataDirectory, "jobs");

    /// <summary>The image a worker fits: the working copy when the photo was scaled down at upload, else the photo.</summary>
    public string WorkerInput(JobRecord record)
    {
        var folder = JobDirectory(record.Id);
        var working = Path.Combine(folder, WorkingCopyName);
        return File.Exists(working) ? working : Path.Combine(folder, record.InputFileName);
    }

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
        Directory.CreateDirectory(JobDirectory(id));
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
        await InsertAsync(record, cancellationToken);
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
    public Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        JobIds.IsWellFormed(id) ? FindAsync(id, cancellationToken) : Task.FromResult<JobRecord?>(null);

    /// <summary>An owner's newest jobs.</summary>
    public Task<IReadOnlyList<JobRecord>> ListAsync(string owner, int limit = 100, CancellationToken cancellationToken = default) =>
        PageAsync(owner, 0, limit, cancellationToken);

    /// <summary>The ids of every job created before <paramref name="cutoff"/>, whoever owns it (the retention purge).</summary>
    public abstract Task<IReadOnlyList<string>> CreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    /// <summary>Removes a job's record and every file of it (photo, artifacts, temporary files).</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await DeleteRecordAsync(id, cancellationToken);
        DeleteFiles(id);
    }

    /// <summary>Removes a job's folder (again, after a worker that was still running on it has stopped). Another node
    /// removing it at the same moment is no failure.</summary>
    public void DeleteFiles(string id)
    {
        var folder = JobDirectory(id);
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Before a job runs again on another worker (its first worker died): removes whatever the first run left
    /// (a half-written file, a preview), keeping the photo and its working copy.</summary>
    public void ClearOutputs(JobRecord record)
    {
        var folder = JobDirectory(record.Id);
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            var name = Path.GetFileName(entry);
            if (name == record.InputFileName || name == WorkingCopyName)
            {
                continue;
            }

            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>One page of an owner's jobs, newest first.</summary>
    public abstract Task<IReadOnlyList<JobRecord>> PageAsync(string owner, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>How many jobs an owner has.</summary>
    public abstract Task<int> CountAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>Marks a queued job running; false when it is no longer queued (cancelled, deleted, or taken by another
    /// worker), in which case nothing is changed.</summary>
    public abstract Task<bool> MarkRunningAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records how a job ended; the job's files are already in place.</summary>
    public abstract Task MarkFinishedAsync(string id, JobStatus status, string? error, IReadOnlyList<string> artifacts, CancellationToken cancellationToken = default);

    /// <summary>A job whose worker died is queued again (running becomes queued); false when it was not running.</summary>
    public abstract Task<bool> RequeueAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>At the start of a one-machine server: jobs that were running when the server stopped become
    /// <see cref="JobStatus.Interrupted"/>; the ids of jobs still queued are returned so they can be queued again.</summary>
    public abstract Task<IReadOnlyList<string>> RecoverAsync(CancellationToken cancellationToken = default);

    protected abstract Task InsertAsync(JobRecord record, CancellationToken cancellationToken);

    protected abstract Task<JobRecord?> FindAsync(string id, CancellationToken cancellationToken);

    protected abstract Task DeleteRecordAsync(string id, CancellationToken cancellationToken);

    protected const string InterruptedMessage = "The server stopped while this job was running.";
}
