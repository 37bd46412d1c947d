namespace FaceClip.Web.Jobs;

/// <summary>Where a job is in its life.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,

    /// <summary>The server stopped while the job ran; its partial results were not kept.</summary>
    Interrupted,
}
