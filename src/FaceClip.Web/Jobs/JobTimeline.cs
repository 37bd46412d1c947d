using System.Text.Json;

namespace FaceClip.Web.Jobs;

/// <summary>
/// What a job did, kept with it (<c>timeline.json</c> in its folder, written when it ends however it ends): the face
/// it fitted, its stages and their marks, its critic and device, and every step it reported with its loss terms. A
/// finished job's page is built from it after a restart as it was while the job ran.
/// </summary>
public sealed record JobTimeline
{
    public const string FileName = "timeline.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public int? Face { get; init; }
    public string[] Stages { get; init; } = [];
    public double[] Marks { get; init; } = [];
    public string? Critic { get; init; }
    public string? Device { get; init; }

    /// <summary>The last stage the job reported.</summary>
    public string? Stage { get; init; }

    public ProgressMessage[] Steps { get; init; } = [];

    public async Task SaveAsync(JobStore store, string jobId, CancellationToken cancellationToken)
    {
        await using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(this, Json));
        await store.WriteFileAsync(jobId, FileName, content, cancellationToken);
    }

    /// <summary>The timeline kept with a job, or null when it has none (it never ran, or ran before timelines were kept).</summary>
    public static async Task<JobTimeline?> LoadAsync(JobStore store, string jobId, CancellationToken cancellationToken)
    {
        var path = Path.Combine(store.JobDirectory(jobId), FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<JobTimeline>(stream, Json, cancellationToken);
    }

    /// <summary>The state message of a stored job, with what its timeline adds.</summary>
    public JobStateMessage Describe(JobRecord record)
    {
        var state = JobStateMapper.ToMessage(record, Stage, Device, Critic);
        state.Face = Face ?? record.Request.FaceIndex;
        state.Stages = Stages;
        state.Marks = Marks;
        return state;
    }
}
