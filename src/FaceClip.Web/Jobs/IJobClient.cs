namespace FaceClip.Web.Jobs;

/// <summary>What the jobs hub sends to a watching client, in order.</summary>
public interface IJobClient
{
    Task State(JobStateMessage state);

    Task History(HistoryMessage history);

    Task Progress(ProgressMessage progress);

    Task Render(RenderMessage render);

    Task Vertices(VerticesMessage vertices);
}
