using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// Aligned face crops: the least-squares similarity transform (rotation, uniform scale, translation; Umeyama, no reflection)
/// taking five points from the 68 landmarks (eye centres, nose tip, mouth corners) onto the ArcFace 112 x 112 template,
/// scaled to the requested size, then a bilinear warp (grid_sample). Coordinates are pixel indices (centre of pixel i at i).
/// </summary>
public static class FaceAligner
{
    /// <summary>The ArcFace five-point template for a 112 x 112 crop: left eye, right eye (as seen), nose tip, mouth corners.</summary>
    public static IReadOnlyList<(double X, double Y)> Template112 { get; } = new[]
    {
        (38.2946, 51.6963), (73.5318, 51.5014), (56.0252, 71.7366), (41.5493, 92.3655), (70.7299, 92.2041),
    };

    /// <summary>The ArcFace template re-framed like face-api's dlib-style descriptor crop (a square of side
    /// eye-to-mouth distance / 0.45 with the eyes-and-mouth centre at (0.5, 0.43) of it): tighter, cut lower. Use it for crops
    /// fed to <see cref="FaceRecognitionNet"/> so descriptors are comparable with the pipeline's.</summary>
    public static IReadOnlyList<(double X, double Y)> RecognitionTemplate112 { get; } = ReframeForRecognition();

    /// <summary>The five alignment points from 68 iBUG landmarks: eye centres (36-41, 42-47), nose tip (30), mouth corners (48, 54).</summary>
    public static (double X, double Y)[] FivePoints(IReadOnlyList<(float X, float Y)> landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        if (landmarks.Count != 68)
        {
            throw new ArgumentException($"Expected 68 landmarks, got {landmarks.Count}.", nameof(landmarks));
        }

        (double X, double Y) Mean(int from, int to)
        {
            double x = 0, y = 0;
            for (var i = from; i < to; i++)
            {
                x += landmarks[i].X;
                y += landmarks[i].Y;
            }

            return (x / (to - from), y / (to - from));
        }

        return new[] { Mean(36, 42), Mean(42, 48), ((double)landmarks[30].X, (double)landmarks[30].Y), ((double)landmarks[48].X, (double)landmarks[48].Y), ((double)landmarks[54].X, (double)landmarks[54].Y) };
    }

    /// <summary>The 2 x 3 similarity [a, -b, tx; b, a, ty] mapping image points onto the template for a size x size crop.
    /// <paramref name="margin"/> shrinks the template towards the centre (0.25: a quarter of the crop added around the face).</summary>
    public static double[,] Similarity(IReadOnlyList<(float X, float Y)> landmarks, int size, double margin = 0, IReadOnlyList<(double X, double Y)>? template112 = null)
    {
        var src = FivePoints(landmarks);
        var k = size / 112.0 / (1 + margin);
        var c = (size - 1) / 2.0;
        var dst = (template112 ?? Template112).Select(p => (((p.X - 55.5) * k) + c, ((p.Y - 55.5) * k) + c)).ToArray();
        double mx = src.Average(p => p.X), my = src.Average(p => p.Y), nx = dst.Average(p => p.Item1), ny = dst.Average(p => p.Item2);
        double sa = 0, sb = 0, norm = 0;
        for (var i = 0; i < src.Length; i++)
        {
            var px = src[i].X - mx;
            var py = src[i].Y - my;
            var qx = dst[i].Item1 - nx;
            var qy = dst[i].Item2 - ny;
            sa += (px * qx) + (py * qy);
            sb += (px * qy) - (py * qx);
            norm += (px * px) + (py * py);
        }

        if (norm <= 0)
        {
            throw new ArgumentException("Degenerate landmarks: the alignment points coincide.", nameof(landmarks));
        }

        var a = sa / norm;
        var b = sb / norm;
        return new[,] { { a, -b, nx - ((a * mx) - (b * my)) }, { b, a, ny - ((b * mx) + (a * my)) } };
    }

    /// <summary>Applies a 2 x 3 transform to a point.</summary>
    public static (double X, double Y) Apply(double[,] m, double x, double y) =>
        ((m[0, 0] * x) + (m[0, 1] * y) + m[0, 2], (m[1, 0] * x) + (m[1, 1] * y) + m[1, 2]);

    /// <summary>Warps <paramref name="pixels"/> (B x C x H x W, any range; one transform per batch item or one for all) into
    /// size x size crops with the image-to-crop transforms <paramref name="transforms"/>. Differentiable in the pixels.</summary>
    public static Tensor Warp(Tensor pixels, IReadOnlyList<double[,]> transforms, int size)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(transforms);
        double h = pixels.shape[2], w = pixels.shape[3];
        var theta = new float[transforms.Count * 6];
        for (var n = 0; n < transforms.Count; n++)
        {
            var m = transforms[n];
            // Inverse similarity: crop pixel -> image pixel.
            var det = (m[0, 0] * m[1, 1]) - (m[0, 1] * m[1, 0]);
            var i00 = m[1, 1] / det;
            var i01 = -m[0, 1] / det;
            var i10 = -m[1, 0] / det;
            var i11 = m[0, 0] / det;
            var i02 = -((i00 * m[0, 2]) + (i01 * m[1, 2]));
            var i12 = -((i10 * m[0, 2]) + (i11 * m[1, 2]));
            // Normalised crop coords (align_corners=false): u = ((un + 1) * size - 1) / 2; image xn = (2x + 1) / w - 1.
            var s = size / 2.0;
            var o = (size - 1) / 2.0;
            theta[(6 * n) + 0] = (float)(2 * i00 * s / w);
            theta[(6 * n) + 1] = (float)(2 * i01 * s / w);
            theta[(6 * n) + 2] = (float)(((2 * ((i00 * o) + (i01 * o) + i02)) + 1) / w - 1);
            theta[(6 * n) + 3] = (float)(2 * i10 * s / h);
            theta[(6 * n) + 4] = (float)(2 * i11 * s / h);
            theta[(6 * n) + 5] = (float)(((2 * ((i10 * o) + (i11 * o) + i12)) + 1) / h - 1);
        }

        var t = torch.tensor(theta, new long[] { transforms.Count, 2, 3 }, device: pixels.device);
        var src = pixels.shape[0] == transforms.Count ? pixels : pixels.expand(transforms.Count, -1, -1, -1);
        var grid = nn.functional.affine_grid(t, new long[] { transforms.Count, pixels.shape[1], size, size }, align_corners: false);
        return nn.functional.grid_sample(src, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
    }

    /// <summary>An aligned size x size crop of one face, 1 x 3 x size x size with values in [0, 1], and its image-to-crop transform.</summary>
    public static (Tensor Crop, double[,] Transform) Crop(FaceImage image, DetectedFace face, int size = 224, double margin = 0, IReadOnlyList<(double X, double Y)>? template112 = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(face);
        var m = Similarity(face.Landmarks, size, margin, template112);
        return (Warp(image.Pixels, new[] { m }, size) / 255, m);
    }

    private static (double X, double Y)[] ReframeForRecognition()
    {
        var t = Template112;
        var mouth = ((t[3].X + t[4].X) / 2, (t[3].Y + t[4].Y) / 2);
        double Dist((double X, double Y) a) => Math.Sqrt(Math.Pow(mouth.Item1 - a.X, 2) + Math.Pow(mouth.Item2 - a.Y, 2));
        var side = (Dist(t[0]) + Dist(t[1])) / 2 / 0.45;
        var refX = (t[0].X + t[1].X + mouth.Item1) / 3;
        var refY = (t[0].Y + t[1].Y + mouth.Item2) / 3;
        var left = refX - (0.5 * side);
        var top = refY - (0.43 * side);
        return t.Select(p => ((p.X - left) * 112 / side, (p.Y - top) * 112 / side)).ToArray();
    }

    /// <summary>
    /// The descriptor crop of face-api's <c>FaceLandmarks.alignDlib()</c>: a square around the eye and mouth centres,
    /// its side the mean eye-to-mouth distance / 0.45, placed 0.5 / 0.43 of the side left of and above their centroid.
    /// Not clipped to the image (callers that need face-api's exact clipping apply it).
    /// </summary>
    public static FaceBox DescriptorBox(IReadOnlyList<(double X, double Y)> p)
    {
        (double X, double Y) Center(int from, int to)
        {
            double sx = 0, sy = 0;
            for (var i = from; i < to; i++)
            {
                sx += p[i].X;
                sy += p[i].Y;
            }

            return (sx / (to - from), sy / (to - from));
        }

        var le = Center(36, 42);
        var re = Center(42, 48);
        var mouth = Center(48, 68);
        double Dist((double X, double Y) a) => Math.Sqrt(((mouth.X - a.X) * (mouth.X - a.X)) + ((mouth.Y - a.Y) * (mouth.Y - a.Y)));
        var size = Math.Floor(((Dist(le) + Dist(re)) / 2) / 0.45);
        var refX = (le.X + re.X + mouth.X) / 3;
        var refY = (le.Y + re.Y + mouth.Y) / 3;
        return new FaceBox(Math.Floor(refX - (0.5 * size)), Math.Floor(refY - (0.43 * size)), size, size);
    }
}
