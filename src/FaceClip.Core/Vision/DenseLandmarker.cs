using FaceClip.Core.Runtime;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// MediaPipe Face Mesh (468 points) and Iris, the TFJS graph models of <c>@vladmandic/human</c> 3.3.6 run on
/// TorchSharp (<see cref="TfjsGraphModel"/>), batched over faces. Each face's region follows MediaPipe's own rule for
/// tracking: a square 1.5 times the landmarks' extent, turned so the eyes lie level. The first pass starts from the 68
/// detected landmarks (they stop at the brows); the second from the first pass's mesh, as MediaPipe tracks from the
/// previous frame's. The irises come from 64-pixel crops 2.3 times the eye-corner distance, sampled from the photo
/// itself; one eye is mirrored (the model reads one side, <see cref="MirroredEye"/>) and its points mirrored back.
/// </summary>
public sealed class DenseLandmarker : IDisposable
{
    /// <summary>Side of the Face Mesh input.</summary>
    public const int MeshSize = 192;

    /// <summary>Side of the iris model's input.</summary>
    public const int EyeSize = 64;

    /// <summary>Side of a face region as a multiple of the landmarks' extent (MediaPipe's face-landmark ROI).</summary>
    public const double RegionScale = 1.5;

    /// <summary>Side of an eye region as a multiple of the eye-corner distance (MediaPipe's iris ROI).</summary>
    public const double EyeScale = 2.3;

    /// <summary>Face Mesh indices of the eye corners: the left eye (subject's left) 263 (outer) and 362 (inner), the
    /// right eye 33 (outer) and 133 (inner).</summary>
    public static readonly int[] LeftEyeCorners = [263, 362];

    /// <inheritdoc cref="LeftEyeCorners"/>
    public static readonly int[] RightEyeCorners = [33, 133];

    /// <summary>Points the iris model returns per eye: 71 of the eye's contour and brow, then 5 of the iris.</summary>
    public const int EyePoints = 76;

    /// <summary>Where the iris points begin among the <see cref="EyePoints"/>.</summary>
    public const int IrisStart = 71;

    private readonly TfjsGraphModel _mesh;
    private readonly TfjsGraphModel _iris;

    private DenseLandmarker(TfjsGraphModel mesh, TfjsGraphModel iris) => (_mesh, _iris) = (mesh, iris);

    /// <summary>Which eye's crop is mirrored before the iris model: the model reads a right eye (the subject's right,
    /// outer corner on the image's left), so the left eye is mirrored, as @vladmandic/human does. Measured: with the
    /// left eye mirrored, the model's lid contours lie a median 2.6% of the outer-eye distance from the mesh's lid
    /// points on the sample photos' faces; with the right one mirrored, 20%.</summary>
    public static string MirroredEye => "left";

    public Device Device => _mesh.Device;

    /// <summary>Loads facemesh.json and iris.json from a folder.</summary>
    public static DenseLandmarker Load(string directory, Device? device = null)
    {
        var mesh = TfjsGraphModel.Load(Path.Combine(directory, "facemesh.json"), device);
        try
        {
            return new DenseLandmarker(mesh, TfjsGraphModel.Load(Path.Combine(directory, "iris.json"), device));
        }
        catch
        {
            mesh.Dispose();
            throw;
        }
    }

    /// <summary>Loads from the model store's <c>mediapipe-face</c> asset (node_modules/@vladmandic/human/models).</summary>
    public static DenseLandmarker Load(ModelStore store, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var mesh = store.Require("mediapipe-face").PathOf("facemesh.json");
        return Load(Path.GetDirectoryName(mesh)!, device);
    }

    /// <summary>The Face Mesh network on crops [B, 3, 192, 192] in [0, 1]: points [B, 468, 3] in crop pixels (pixel
    /// i spans [i, i + 1)) and the face flag [B].</summary>
    public (Tensor Points, Tensor FaceFlag) Mesh(Tensor crops)
    {
        var outputs = _mesh.Run(crops);
        var points = outputs.Values.Single(t => t.shape[^1] == DenseFace.MeshPoints * 3);
        var flag = outputs.Values.Single(t => t.shape[^1] == 1);
        return (points.reshape(-1, DenseFace.MeshPoints, 3), flag.reshape(-1));
    }

    /// <summary>The iris network on eye crops [B, 3, 64, 64] in [0, 1]: [B, 76, 3] in crop pixels.</summary>
    public Tensor Iris(Tensor eyes) => _iris.Run(eyes).Values.Single().reshape(-1, EyePoints, 3);

    /// <summary>Dense landmarks of each face, from its 68 detected landmarks.</summary>
    public IReadOnlyList<DenseFace> Detect(FaceImage image, IReadOnlyList<DetectedFace> faces)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0)
        {
            return [];
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var pixels = image.Pixels.to(Device);
        var regions = faces.Select(f => Region(f.Landmarks.Select(p => ((double)p.X, (double)p.Y)).ToList(), 36, 39, 42, 45)).ToList();
        var (points, _) = MeshPass(pixels, regions);
        regions = points.Select(p => Region(p, LeftEyeCorners[0], RightEyeCorners[0])).ToList();
        var (final, flags) = MeshPass(pixels, regions);
        var eyes = IrisPass(pixels, final);
        return Enumerable.Range(0, faces.Count).Select(i => new DenseFace(final[i], eyes[i].Select(e => (IReadOnlyList<(float X, float Y)>)e[IrisStart..]).ToList(), flags[i], regions[i])
        {
            EyeContours = eyes[i].Select(e => (IReadOnlyList<(float X, float Y)>)e[..IrisStart]).ToList(),
        }).ToList();
    }

    /// <summary>The crops <see cref="Detect"/> feeds the networks, in [0, 1]: the second pass's face crops
    /// [F, 3, 192, 192] and the eye crops [2F, 3, 64, 64] (left, right per face; the mirrored eye as the model sees it).</summary>
    public (Tensor Faces, Tensor Eyes) Crops(FaceImage image, IReadOnlyList<DenseFace> faces)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(faces);
        var pixels = image.Pixels.to(Device);
        var faceCrops = FaceAligner.Warp(pixels, faces.Select(f => f.CropTransform).ToList(), MeshSize) / 255;
        var eyes = faces.SelectMany(f => EyeTransforms(f.Points)).ToList();
        return (faceCrops, FaceAligner.Warp(pixels, eyes, EyeSize) / 255);
    }

    public void Dispose()
    {
        _mesh.Dispose();
        _iris.Dispose();
    }

    private (List<(float X, float Y, float Z)[]> Points, float[] Flags) MeshPass(Tensor pixels, IReadOnlyList<double[,]> regions)
    {
        var crops = FaceAligner.Warp(pixels, regions, MeshSize) / 255;
        var (points, flag) = Mesh(crops);
        var values = points.cpu().data<float>().ToArray();
        var flags = flag.cpu().data<float>().ToArray();
        var result = new List<(float X, float Y, float Z)[]>();
        for (var f = 0; f < regions.Count; f++)
        {
            var inverse = Invert(regions[f]);
            var scale = Math.Sqrt(Math.Abs((regions[f][0, 0] * regions[f][1, 1]) - (regions[f][0, 1] * regions[f][1, 0])));
            var face = new (float X, float Y, float Z)[DenseFace.MeshPoints];
            for (var i = 0; i < face.Length; i++)
            {
                var o = ((f * DenseFace.MeshPoints) + i) * 3;
                var (x, y) = FromCrop(inverse, values[o], values[o + 1]);
                face[i] = ((float)x, (float)y, (float)(values[o + 2] / scale));
            }

            result.Add(face);
        }

        return (result, flags);
    }

    /// <summary>Per face and eye (left, right): the iris model's 76 points in the image.</summary>
    private List<List<(float X, float Y)[]>> IrisPass(Tensor pixels, List<(float X, float Y, float Z)[]> faces)
    {
        var transforms = faces.SelectMany(f => EyeTransforms(f)).ToList();
        var eyes = FaceAligner.Warp(pixels, transforms, EyeSize) / 255;
        var values = Iris(eyes).cpu().data<float>().ToArray();
        var result = new List<List<(float X, float Y)[]>>();
        for (var f = 0; f < faces.Count; f++)
        {
            var perEye = new List<(float X, float Y)[]>();
            for (var e = 0; e < 2; e++)
            {
                var n = (2 * f) + e;
                var inverse = Invert(transforms[n]);
                var points = new (float X, float Y)[EyePoints];
                for (var k = 0; k < EyePoints; k++)
                {
                    var o = ((n * EyePoints) + k) * 3;
                    var (x, y) = FromCrop(inverse, values[o], values[o + 1]);
                    points[k] = ((float)x, (float)y);
                }

                perEye.Add(points);
            }

            result.Add(perEye);
        }

        return result;
    }

    /// <summary>The image-to-crop transforms of a face's two eye crops (left, right), in the face region's frame.</summary>
    private static IEnumerable<double[,]> EyeTransforms(IReadOnlyList<(float X, float Y, float Z)> points)
    {
        yield return EyeTransform(points, LeftEyeCorners, mirror: MirroredEye == "left");
        yield return EyeTransform(points, RightEyeCorners, mirror: MirroredEye == "right");
    }

    private static double[,] EyeTransform(IReadOnlyList<(float X, float Y, float Z)> points, int[] corners, bool mirror)
    {
        var (a, b) = (points[corners[0]], points[corners[1]]);
        var angle = Math.Atan2(b.Y - a.Y, b.X - a.X);
        if (a.X > b.X)
        {
            angle += Math.PI; // level whichever corner is on the image's left
        }

        var centre = ((a.X + b.X) / 2.0, (a.Y + b.Y) / 2.0);
        var (cos, sin) = (Math.Cos(-angle), Math.Sin(-angle));
        var extent = Math.Abs((cos * (b.X - a.X)) - (sin * (b.Y - a.Y)));
        var side = extent * EyeScale;
        return Similarity(centre, angle, side, EyeSize, mirror);
    }

    /// <summary>
    /// The region of a face from its landmarks: turned by the line through <paramref name="leftmost"/> and
    /// <paramref name="rightmost"/> (points on the image's left and right, e.g. the outer eye corners), centred on
    /// the landmarks' extent in that frame, side <see cref="RegionScale"/> times its longer edge. Further pairs of
    /// indices, when given, average into the two ends.
    /// </summary>
    private static double[,] Region(IReadOnlyList<(double X, double Y)> p, params int[] ends)
    {
        var half = ends.Length / 2;
        var left = (ends.Take(half).Average(i => p[i].X), ends.Take(half).Average(i => p[i].Y));
        var right = (ends.Skip(half).Average(i => p[i].X), ends.Skip(half).Average(i => p[i].Y));
        return Region(p, left, right);
    }

    private static double[,] Region(IReadOnlyList<(float X, float Y, float Z)> p, int a, int b)
    {
        var points = p.Select(q => ((double)q.X, (double)q.Y)).ToList();
        var (pa, pb) = (points[a], points[b]);
        return pa.Item1 <= pb.Item1 ? Region(points, pa, pb) : Region(points, pb, pa);
    }

    private static double[,] Region(IReadOnlyList<(double X, double Y)> p, (double X, double Y) left, (double X, double Y) right)
    {
        var angle = Math.Atan2(right.Y - left.Y, right.X - left.X);
        var (cos, sin) = (Math.Cos(-angle), Math.Sin(-angle));
        double minU = double.MaxValue, maxU = double.MinValue, minV = double.MaxValue, maxV = double.MinValue;
        foreach (var (x, y) in p)
        {
            var u = (cos * x) - (sin * y);
            var v = (sin * x) + (cos * y);
            (minU, maxU, minV, maxV) = (Math.Min(minU, u), Math.Max(maxU, u), Math.Min(minV, v), Math.Max(maxV, v));
        }

        // The extent's centre, turned back into the image.
        var (cu, cv) = ((minU + maxU) / 2, (minV + maxV) / 2);
        var centre = ((Math.Cos(angle) * cu) - (Math.Sin(angle) * cv), (Math.Sin(angle) * cu) + (Math.Cos(angle) * cv));
        var side = Math.Max(maxU - minU, maxV - minV) * RegionScale;
        return Similarity(centre, angle, side, MeshSize, mirror: false);
    }

    /// <summary>
    /// The image-to-crop transform of a square of <paramref name="side"/> image pixels about <paramref name="centre"/>,
    /// turned by <paramref name="angle"/>, onto a crop of <paramref name="size"/> pixels (optionally mirrored), in the
    /// pixel-centre coordinates <see cref="FaceAligner.Warp"/> works in (pixel i's centre at i). Points given and
    /// returned by this class span pixel i as [i, i + 1), hence the half-pixel shifts.
    /// </summary>
    private static double[,] Similarity((double X, double Y) centre, double angle, double side, int size, bool mirror)
    {
        var s = size / side;
        var (cos, sin) = (Math.Cos(-angle), Math.Sin(-angle));
        var (a, b, c, d) = (s * cos, -s * sin, s * sin, s * cos);
        if (mirror)
        {
            (a, b) = (-a, -b);
        }

        // crop_i = M (p_i + 0.5 - centre) + size / 2 - 0.5
        var (ox, oy) = (0.5 - centre.X, 0.5 - centre.Y);
        return new[,]
        {
            { a, b, (a * ox) + (b * oy) + (size / 2.0) - 0.5 },
            { c, d, (c * ox) + (d * oy) + (size / 2.0) - 0.5 },
        };
    }

    private static double[,] Invert(double[,] m)
    {
        var det = (m[0, 0] * m[1, 1]) - (m[0, 1] * m[1, 0]);
        var (i00, i01, i10, i11) = (m[1, 1] / det, -m[0, 1] / det, -m[1, 0] / det, m[0, 0] / det);
        return new[,]
        {
            { i00, i01, -((i00 * m[0, 2]) + (i01 * m[1, 2])) },
            { i10, i11, -((i10 * m[0, 2]) + (i11 * m[1, 2])) },
        };
    }

    /// <summary>A network's point (pixel i spans [i, i + 1)) back in the image (same convention).</summary>
    private static (double X, double Y) FromCrop(double[,] inverse, double x, double y)
    {
        var (ix, iy) = FaceAligner.Apply(inverse, x - 0.5, y - 0.5);
        return (ix + 0.5, iy + 0.5);
    }
}
