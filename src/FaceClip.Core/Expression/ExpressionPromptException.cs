namespace FaceClip.Core.Expression;

/// <summary>A prompt the embedded critic cannot read (nothing in it is near an emotion or a movement of the face); the message gives the nearest and what to try.</summary>
public sealed class ExpressionPromptException(string message) : Exception(message);
