namespace FaceClip.Core.Vision;

/// <summary>One detector hit: a box in image pixels and its score.</summary>
public readonly record struct FaceDetection(FaceBox Box, float Score);
