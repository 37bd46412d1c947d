namespace FaceClip.Core.Vision;

/// <summary>
/// MediaPipe's dense landmarks of one face, in image pixels (x right, y down, the 68-point landmarks' convention).
/// <see cref="Points"/>: the 468 Face Mesh points (x, y, z), z the relative depth in the same pixel scale, smaller
/// towards the camera. <see cref="Irises"/>: per eye (MediaPipe's left eye, the subject's left, first) five iris points
/// (centre, then four on the rim) from the iris model, z unset. <see cref="Score"/>: the mesh's face flag in [0, 1].
/// <see cref="CropTransform"/>: the image-to-crop similarity of the 192-pixel crop the mesh was read from.
/// </summary>
public sealed record DenseFace(
    IReadOnlyList<(float X, float Y, float Z)> Points,
    IReadOnlyList<IReadOnlyList<(float X, float Y)>> Irises,
    float Score,
    double[,] CropTransform)
{
    /// <summary>Points of the Face Mesh topology.</summary>
    public const int MeshPoints = 468;

    /// <summary>Per eye (left first), the iris model's 71 points of the eye's contours and the brow, in its order:
    /// 0-8 the lower lid's edge from the outer to the inner corner (Face Mesh's 263 ... 362 and 33 ... 133), 9-15 the
    /// upper lid's edge, then outer rings of the lids and the brow.</summary>
    public IReadOnlyList<IReadOnlyList<(float X, float Y)>> EyeContours { get; init; } = [];

    /// <summary>Face Mesh indices of the lower lid's edge of each eye, outer corner to inner, as the iris model's
    /// contour points 0-8 name them.</summary>
    public static IReadOnlyList<int[]> LowerLids { get; } = [[263, 249, 390, 373, 374, 380, 381, 382, 362], [33, 7, 163, 144, 145, 153, 154, 155, 133]];

    /// <summary>Face Mesh indices of the upper lid's edge of each eye, as the iris model's contour points 9-15 name
    /// them.</summary>
    public static IReadOnlyList<int[]> UpperLids { get; } = [[466, 388, 387, 386, 385, 384, 398], [246, 161, 160, 159, 158, 157, 173]];

    /// <summary>The iris centre of each eye (left first).</summary>
    public IReadOnlyList<(float X, float Y)> IrisCentres => Irises.Select(i => i[0]).ToList();

    /// <summary>The mesh's points (x, y) and then the two iris centres: the order of <see cref="Geometry.DenseLandmarkMap"/>.</summary>
    public (float X, float Y)[] MapPoints() => Points.Select(p => (p.X, p.Y)).Concat(IrisCentres).ToArray();

    /// <summary>Distance between the outer eye corners (mesh points 263 and 33), the normaliser of dense errors.</summary>
    public double OuterEyeDistance
    {
        get
        {
            var (a, b) = (Points[DenseLandmarker.LeftEyeCorners[0]], Points[DenseLandmarker.RightEyeCorners[0]]);
            return Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));
        }
    }
}
