namespace FaceClip.Core.Vision;

/// <summary>The result of <see cref="FacePipeline.Analyse(FaceImage)"/>: image size and every face found (possibly none).</summary>
public sealed record FaceAnalysis(int Width, int Height, IReadOnlyList<DetectedFace> Faces);
