namespace FaceClip.Web.Jobs;

/// <summary>A job as persisted: what was asked, where it stands, what it produced.</summary>
public sealed record JobRecord
{
    public required string Id { get; init; }

    /// <summary>Who submitted the job (<see cref="Owners.Owner"/>); nobody else sees it.</summary>
    public required string Owner { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required JobStatus Status { get; init; }
    public required string InputFileName { get; init; }
    public required JobRequest Request { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<string> Artifacts { get; init; } = [];

    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Interrupted;
}
