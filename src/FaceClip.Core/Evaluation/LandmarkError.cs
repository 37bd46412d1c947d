using FaceClip.Core.Vision;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// Landmark error of fitted (or predicted) 2D landmarks against reference ones: the mean point-to-point distance, and
/// that distance normalised (NME) by the outer-eye-corner distance of the reference (iBUG points 36 and 45, the
/// "inter-ocular" NME) or by the square root of a face box's area.
/// </summary>
public static class LandmarkError
{
    /// <summary>iBUG-68 index of the outer corner of the eye on the image's left (the subject's right eye).</summary>
    public const int LeftOuterEyeCorner = 36;

    /// <summary>iBUG-68 index of the outer corner of the eye on the image's right (the subject's left eye).</summary>
    public const int RightOuterEyeCorner = 45;

    /// <summary>The smallest normaliser used: a smaller one (coinciding eye corners, an empty box) is raised to this,
    /// so that a degenerate reference gives a large but finite error.</summary>
    public const double MinimumNormaliser = 1e-6;

    /// <summary>Euclidean distance between two points.</summary>
    public static double Distance((float X, float Y) a, (float X, float Y) b)
    {
        double dx = a.X - b.X;
        double dy = a.Y - b.Y;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }

    /// <summary>Mean distance between corresponding points of <paramref name="predicted"/> and <paramref name="reference"/>.</summary>
    /// <exception cref="ArgumentException">The sets are empty or of different sizes.</exception>
    public static double MeanDistance(IReadOnlyList<(float X, float Y)> predicted, IReadOnlyList<(float X, float Y)> reference)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(reference);
        if (predicted.Count != reference.Count)
        {
            throw new ArgumentException($"Point sets differ in size: {predicted.Count} predicted, {reference.Count} reference.", nameof(predicted));
        }

        if (predicted.Count == 0)
        {
            throw new ArgumentException("The point sets are empty.", nameof(predicted));
        }

        double sum = 0;
        for (var i = 0; i < predicted.Count; i++)
        {
            sum += Distance(predicted[i], reference[i]);
        }

        return sum / predicted.Count;
    }

    /// <summary>Mean point distance over <paramref name="normaliser"/> (raised to <see cref="MinimumNormaliser"/>).</summary>
    public static double Nme(IReadOnlyList<(float X, float Y)> predicted, IReadOnlyList<(float X, float Y)> reference, double normaliser) =>
        MeanDistance(predicted, reference) / Math.Max(normaliser, MinimumNormaliser);

    /// <summary>Distance between the outer eye corners (points 36 and 45) of 68 iBUG landmarks.</summary>
    /// <exception cref="ArgumentException">Fewer than 46 landmarks.</exception>
    public static double OuterEyeCornerDistance(IReadOnlyList<(float X, float Y)> landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        if (landmarks.Count <= RightOuterEyeCorner)
        {
            throw new ArgumentException($"Expected 68 iBUG landmarks, got {landmarks.Count}.", nameof(landmarks));
        }

        return Distance(landmarks[LeftOuterEyeCorner], landmarks[RightOuterEyeCorner]);
    }

    /// <summary>The inter-ocular NME: mean distance of <paramref name="predicted"/> to <paramref name="reference"/> over
    /// the reference's outer-eye-corner distance (what <see cref="Reconstruction.ReconstructionQuality.LandmarkNme"/> reports).</summary>
    public static double NmeByOuterEyeCorners(IReadOnlyList<(float X, float Y)> predicted, IReadOnlyList<(float X, float Y)> reference) =>
        Nme(predicted, reference, OuterEyeCornerDistance(reference));

    /// <summary>The box-normalised NME: mean point distance over √(width · height) of <paramref name="box"/> (the
    /// reference face's box, in the landmarks' pixels).</summary>
    public static double NmeByBoxSize(IReadOnlyList<(float X, float Y)> predicted, IReadOnlyList<(float X, float Y)> reference, FaceBox box) =>
        Nme(predicted, reference, Math.Sqrt(box.Area));

    /// <summary>The NME over √(width · height) of the reference landmarks' own bounding box (AFLW2000-3D's convention,
    /// the one 3DDFA-V2 reports), so that sets whose boxes are drawn differently compare alike.</summary>
    public static double NmeByLandmarkBox(IReadOnlyList<(float X, float Y)> predicted, IReadOnlyList<(float X, float Y)> reference) =>
        NmeByBoxSize(predicted, reference, BoundingBox(reference));

    /// <summary>The axis-aligned bounding box of a point set.</summary>
    /// <exception cref="ArgumentException">The set is empty.</exception>
    public static FaceBox BoundingBox(IReadOnlyList<(float X, float Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            throw new ArgumentException("The bounding box of no points is undefined.", nameof(points));
        }

        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        foreach (var (x, y) in points)
        {
            minX = Math.Min(minX, x);
            minY = Math.Min(minY, y);
            maxX = Math.Max(maxX, x);
            maxY = Math.Max(maxY, y);
        }

        return new FaceBox(minX, minY, maxX - minX, maxY - minY);
    }

    /// <summary>The mean of a point set.</summary>
    /// <exception cref="ArgumentException">The set is empty.</exception>
    public static (double X, double Y) Centroid(IReadOnlyList<(float X, float Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            throw new ArgumentException("The centroid of no points is undefined.", nameof(points));
        }

        return (points.Average(p => (double)p.X), points.Average(p => (double)p.Y));
    }
}
