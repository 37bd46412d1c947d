using FaceClip.Core.Vision;

namespace FaceClip.Core.Evaluation;

/// <summary>One face of an annotated image: its 68 landmarks as people placed them (iBUG 300-W order, 0-based image
/// pixels) and the face box the annotation came with, if any.</summary>
/// <param name="Landmarks">68 points, x right and y down, the centre of the top-left pixel at (0, 0).</param>
/// <param name="Box">The annotation's face box, or null when it has none (<see cref="LandmarkBox"/> always exists).</param>
public sealed record AnnotatedFace(IReadOnlyList<(float X, float Y)> Landmarks, FaceBox? Box)
{
    /// <summary>The landmarks' bounding box: the normaliser of <see cref="LandmarkError.NmeByLandmarkBox"/> and what
    /// detections are matched against (a given box may be drawn by another convention, looser or tighter).</summary>
    public FaceBox LandmarkBox => LandmarkError.BoundingBox(Landmarks);
}
