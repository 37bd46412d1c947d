using FaceClip.Core.Vision;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// Pairs the faces people annotated in an image with the faces the detector found, one to one: an annotated face and
/// a detection are candidates when the detection's box contains the annotation's landmark centroid and the bounding
/// boxes of the two sets of 68 landmarks overlap by at least <see cref="MinimumOverlap"/> (intersection over union);
/// pairs are then taken greedily, the largest overlap first. Comparing landmark boxes with landmark boxes keeps the
/// detector's box convention (taller than the landmarks) out of the criterion.
/// </summary>
public static class AnnotationMatcher
{
    /// <summary>The smallest landmark-box overlap that pairs an annotation with a detection: well below what the same
    /// face gives (the boxes of two 68-point sets on one face overlap by 0.6 or more even when the detector's points
    /// are several pixels off) and above what a neighbouring face in a group photo gives.</summary>
    public const double MinimumOverlap = 0.3;

    /// <summary>One <see cref="AnnotationMatch"/> per annotated face, in the annotation's order.</summary>
    public static IReadOnlyList<AnnotationMatch> Match(IReadOnlyList<AnnotatedFace> annotated, IReadOnlyList<DetectedFace> detected)
    {
        ArgumentNullException.ThrowIfNull(annotated);
        ArgumentNullException.ThrowIfNull(detected);
        var detectedBoxes = detected.Select(d => LandmarkError.BoundingBox(d.Landmarks)).ToArray();
        var pairs = new List<(int A, int D, double Overlap)>();
        var best = new double[annotated.Count];
        for (var a = 0; a < annotated.Count; a++)
        {
            var box = annotated[a].LandmarkBox;
            var (cx, cy) = LandmarkError.Centroid(annotated[a].Landmarks);
            for (var d = 0; d < detected.Count; d++)
            {
                var overlap = box.IoU(detectedBoxes[d]);
                best[a] = Math.Max(best[a], overlap);
                var b = detected[d].Box;
                if (overlap >= MinimumOverlap && cx >= b.X && cx <= b.Right && cy >= b.Y && cy <= b.Bottom)
                {
                    pairs.Add((a, d, overlap));
                }
            }
        }

        var matches = best.Select(o => new AnnotationMatch(null, o)).ToArray();
        var used = new HashSet<int>();
        foreach (var (a, d, overlap) in pairs.OrderByDescending(p => p.Overlap))
        {
            if (matches[a].Detection is null && used.Add(d))
            {
                matches[a] = new AnnotationMatch(d, overlap);
            }
        }

        return matches;
    }
}
