namespace FaceClip.Cli;

/// <summary>A problem with what the user asked for; printed as one line with exit code 2.</summary>
public sealed class CliUserException(string message) : Exception(message);
