namespace FaceClip.Core.Expression;

/// <summary>A prompt the embedded critic cannot read (no expression word it knows); the message lists what it understands.</summary>
public sealed class ExpressionPromptException(string message) : Exception(message);
