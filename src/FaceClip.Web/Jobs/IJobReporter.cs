namespace FaceClip.Web.Jobs;

/// <summary>How a running job tells its watchers what it is doing.</summary>
public interface IJobReporter
{
    Task StageAsync(string stage, string? device = null, string? critic = null);

    Task ProgressAsync(ProgressMessage progress);

    Task RenderAsync(string stage, int iteration, byte[] png);

    Task VerticesAsync(string stage, int iteration, ReadOnlyMemory<float> positions);
}
