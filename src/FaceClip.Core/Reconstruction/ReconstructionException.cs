namespace FaceClip.Core.Reconstruction;

/// <summary>A photo that cannot be reconstructed as asked (no face, a face too small, a face index out of range).
/// The message is one line meant for the user.</summary>
public sealed class ReconstructionException(string message) : Exception(message);
