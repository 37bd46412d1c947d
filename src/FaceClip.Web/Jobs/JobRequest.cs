using System.Text.Json.Serialization;
using FaceClip.Core.Losses;

namespace FaceClip.Web.Jobs;

/// <summary>What a user asked for: which face, how long to fit, which critic, and expression prompts.</summary>
public sealed record JobRequest
{
    public int? FaceIndex { get; init; }
    public int? Iterations { get; init; }

    /// <summary>The critic asked for (stored as <c>auto</c>, <c>clip</c> or <c>face</c>).</summary>
    [JsonConverter(typeof(CriticChoiceJsonConverter))]
    public CriticChoice Critic { get; init; } = CriticChoice.Auto;

    public bool DetailPass { get; init; }
    public IReadOnlyList<string> Prompts { get; init; } = [];
}
