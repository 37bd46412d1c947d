namespace FaceClip.Web.Jobs;

/// <summary>Runs the science of one job: reads the input image, writes artifacts into the job's folder, reports as
/// it goes, and returns the names of the artifacts it wrote.</summary>
public interface IJobExecutor
{
    Task<IReadOnlyList<string>> ExecuteAsync(JobExecution job, IJobReporter reporter, CancellationToken cancellationToken);
}

/// <summary>One job handed to an executor.</summary>
public sealed record JobExecution(string Id, string InputPath, string OutputDirectory, JobRequest Request);
