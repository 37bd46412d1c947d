namespace FaceClip.Web.Jobs;

/// <summary>States a watcher can be told besides a <see cref="JobStatus"/>.</summary>
public static class JobStates
{
    /// <summary>The job, its photo and its artifacts are gone; sent to its watchers last.</summary>
    public const string Deleted = "Deleted";
}
