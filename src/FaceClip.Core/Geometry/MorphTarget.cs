namespace FaceClip.Core.Geometry;

/// <summary>A named blendshape: per-vertex position deltas (xyz per vertex), applied with a weight.</summary>
public sealed record MorphTarget(string Name, float[] Deltas);
