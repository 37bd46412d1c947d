namespace FaceClip.Web.Jobs;

/// <summary>Limits and places for reconstruction jobs. Bound from the <c>Jobs</c> section of appsettings.json.</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary><c>embedded</c> (the default: SQLite and an in-process queue, no server needed) or <c>distributed</c>
    /// (records in PostgreSQL, the queue and the events on Redis, files in a folder every node shares; the connection
    /// strings are <c>ConnectionStrings:Postgres</c> and <c>ConnectionStrings:Redis</c>).</summary>
    public string Backend { get; set; } = EmbeddedBackend;

    public const string EmbeddedBackend = "embedded";
    public const string DistributedBackend = "distributed";

    public bool IsDistributed => string.Equals(Backend, DistributedBackend, StringComparison.OrdinalIgnoreCase);

    /// <summary>The start of every Redis key and channel of the distributed backend (clusters sharing a Redis differ here).</summary>
    public string RedisPrefix { get; set; } = "faceclip";

    /// <summary>Seconds between a distributed worker's heartbeats (it refreshes the jobs it holds).</summary>
    public double HeartbeatSeconds { get; set; } = 5;

    /// <summary>Seconds after which a job whose worker has stopped refreshing it is reclaimed by another worker.</summary>
    public double ReclaimAfterSeconds { get; set; } = 60;

    /// <summary>How often an idle distributed worker looks for work, in milliseconds.</summary>
    public int PollMilliseconds { get; set; } = 250;

    /// <summary>Folder (relative to the product root) with the SQLite database and each job's files.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Jobs waiting beyond the running ones; a full queue answers 429 with Retry-After.</summary>
    public int QueueCapacity { get; set; } = 16;

    /// <summary>Jobs run at once on the compute device.</summary>
    public int ConcurrentJobs { get; set; } = 1;

    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;

    public long MaxImagePixels { get; set; } = 40_000_000;

    public int MaxPrompts { get; set; } = 8;

    public int MaxPromptLength { get; set; } = 200;

    public int MaxIterations { get; set; } = 2000;

    /// <summary>Seconds a client is asked to wait when the queue is full.</summary>
    public int RetryAfterSeconds { get; set; } = 30;

    /// <summary>Hours a job (its photo, its artifacts, its record) is kept before it is deleted; 0 keeps jobs until
    /// their owner deletes them.</summary>
    public double RetentionHours { get; set; } = 72;

    /// <summary>Minutes between retention sweeps.</summary>
    public double RetentionSweepMinutes { get; set; } = 10;

    /// <summary>Submissions one owner may make per <see cref="RateLimitWindowSeconds"/>.</summary>
    public int SubmissionsPerOwner { get; set; } = 10;

    /// <summary>Submissions one client address may make per <see cref="RateLimitWindowSeconds"/> (all its owners together).</summary>
    public int SubmissionsPerAddress { get; set; } = 30;

    public int RateLimitWindowSeconds { get; set; } = 600;

    /// <summary>Uploads decoded for validation at once (each decode holds up to 3 bytes per pixel).</summary>
    public int ConcurrentValidations { get; set; } = 2;

    /// <summary>Pixels of the copy of a photo the worker reads: a larger photo is scaled down to this at upload, so a
    /// job's memory does not grow with the photo (the photo itself is kept as uploaded).</summary>
    public long WorkingPixels { get; set; } = 4_194_304;
}
