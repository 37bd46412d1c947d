namespace FaceClip.Core.Expression;

/// <summary>A prompt the embedded critic cannot read (nothing in it is near an emotion or a movement of the face); the
/// message gives the nearest and what to try, <see cref="Nearest"/> the nearest concepts' first descriptions, nearest
/// first (empty for an empty prompt).</summary>
public sealed class ExpressionPromptException(string message, IReadOnlyList<string>? nearest = null) : Exception(message)
{
    public IReadOnlyList<string> Nearest { get; } = nearest ?? [];
}
