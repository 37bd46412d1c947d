namespace FaceClip.Web.Jobs;

/// <summary>How a running job tells its watchers what it is doing.</summary>
public interface IJobReporter
{
    Task StageAsync(string stage, string? device = null, string? critic = null);

    /// <summary>The stages the job will run and where each starts on its bar.</summary>
    Task PlanAsync(IReadOnlyList<PlannedStage> stages, double[] marks);

    /// <summary>The face of the photo the job fits.</summary>
    Task FaceAsync(int face);

    Task ProgressAsync(ProgressMessage progress);

    Task RenderAsync(string stage, int iteration, byte[] png);

    Task VerticesAsync(string stage, int iteration, ReadOnlyMemory<float> positions);
}
