namespace FaceClip.Web.Jobs;

/// <summary>What a user asked for: which face, how long to fit, which critic, and expression prompts.</summary>
public sealed record JobRequest
{
    public int? FaceIndex { get; init; }
    public int? Iterations { get; init; }

    /// <summary><c>auto</c>, <c>clip</c> or <c>face</c>.</summary>
    public string Critic { get; init; } = "auto";

    public bool DetailPass { get; init; }
    public IReadOnlyList<string> Prompts { get; init; } = [];
}
