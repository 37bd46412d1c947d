namespace FaceClip.Web.Jobs;

/// <summary>Limits and places for reconstruction jobs. Bound from the <c>Jobs</c> section of appsettings.json.</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

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
}
