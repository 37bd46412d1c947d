namespace FaceClip.Web.Jobs;

/// <summary>Turns a stored job into the state message that watchers receive.</summary>
public static class JobStateMapper
{
    public static JobStateMessage ToMessage(JobRecord record, string? stage = null, string? device = null, string? critic = null) => new()
    {
        JobId = record.Id,
        Status = record.Status.ToString(),
        Stage = stage,
        Error = record.Error,
        Device = device,
        Critic = critic,
        Prompts = record.Request.Prompts.ToArray(),
        Artifacts = record.Artifacts.ToArray(),
        Face = record.Request.FaceIndex,
    };
}
