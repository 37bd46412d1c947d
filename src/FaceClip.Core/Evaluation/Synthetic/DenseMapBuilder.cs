using FaceClip.Core.Geometry;
using FaceClip.Core.Vision;
using SkiaSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>How well a map explains Face Mesh on photographs it was not learnt from.</summary>
/// <param name="Faces">Photographs measured (faces found).</param>
/// <param name="MedianPx">Median distance, over faces, of the mean distance between the mapped points (projected
/// with the true geometry) and Face Mesh's, over the outer-eye distance.</param>
/// <param name="ContourMedian">The same for the silhouette points alone.</param>
/// <param name="IrisMedian">The same for the two iris centres.</param>
/// <param name="InteriorMedian">The same for the points off the silhouette.</param>
/// <param name="Ibug51Median">The baseline: the model's own 68 landmark vertices (ICT's, placed by hand) on the true
/// geometry against face-api's detections, the 51 points off the jaw line, normalised the same way.</param>
public sealed record DenseMapCheck(int Faces, double MedianPx, double ContourMedian, double IrisMedian, double InteriorMedian, double Ibug51Median);

/// <summary>
/// Learns <see cref="DenseLandmarkMap"/> from photographs of the face model with known geometry: synthetic faces
/// (<see cref="SyntheticFaceGenerator"/>: identity, expression, pose, light and skin drawn at random) photographed by
/// the <see cref="ReferenceRenderer"/>, read by face-api and <see cref="DenseLandmarker"/>. For every point and photo the
/// visible surface under the network's point is found (the nearest triangle of the face, or of the eye for an iris
/// centre) and carried to the mean face by its barycentric weights; the point's place is the coordinate-wise
/// median of those positions over the photos, snapped onto the surface. Silhouette points (the face oval) are taken
/// from near-frontal photos only, where the contour is the surface's edge seen straight on.
/// </summary>
public sealed class DenseMapBuilder
{
    /// <summary>Largest head turn (yaw or pitch, degrees) of the photos the silhouette points are learnt from.</summary>
    public const double FrontalLimit = 12;

    private readonly FaceModelData _data;
    private readonly FacePipeline _faces;
    private readonly DenseLandmarker _dense;
    private readonly ReferenceRenderer _renderer;
    private readonly SyntheticFaceGenerator _generator;
    private readonly int[] _faceTriangles;
    private readonly int[] _eyeTriangles;

    public DenseMapBuilder(FaceModelData data, int identityModes, FacePipeline faces, DenseLandmarker dense, IReadOnlyList<SKBitmap>? backgrounds = null)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        _faces = faces ?? throw new ArgumentNullException(nameof(faces));
        _dense = dense ?? throw new ArgumentNullException(nameof(dense));
        _renderer = new ReferenceRenderer(data, backgrounds);
        _generator = new SyntheticFaceGenerator(data, identityModes);
        _faceTriangles = data.TriangleIdsWhere(r => r == FaceRegion.Face);
        _eyeTriangles = data.TriangleIdsWhere(r => r is FaceRegion.IrisLeft or FaceRegion.IrisRight or FaceRegion.ScleraLeft or FaceRegion.ScleraRight);
    }

    /// <summary>Learns the map from <paramref name="count"/> photographs of <paramref name="seed"/>.</summary>
    public DenseLandmarkMap Build(int count, int seed, IProgress<int>? progress = null)
    {
        var samples = Enumerable.Range(0, DenseLandmarkMap.PointCount).Select(_ => new List<(float[] Mean, int Triangle)>()).ToArray();
        var contour = new HashSet<int>(DenseLandmarkMap.FaceOval);
        var done = 0;
        foreach (var face in _generator.Draw(count, seed))
        {
            var read = Read(face);
            progress?.Report(++done);
            if (read is null)
            {
                continue;
            }

            var (dense, _, camera, x, y) = read.Value;
            var frontal = Math.Abs(face.Yaw) <= FrontalLimit && Math.Abs(face.Pitch) <= FrontalLimit;
            var points = dense.MapPoints();
            var hits = Hits(points, camera, x, y);
            for (var i = 0; i < points.Length; i++)
            {
                if (hits[i] is not { } hit || (contour.Contains(i) && !frontal))
                {
                    continue;
                }

                samples[i].Add((OnMeanFace(hit.Triangle, hit.Weights), hit.Triangle));
            }
        }

        var result = new DenseLandmarkPoint[DenseLandmarkMap.PointCount];
        for (var i = 0; i < result.Length; i++)
        {
            if (samples[i].Count == 0)
            {
                throw new InvalidOperationException($"Point {i} was never seen on the model's surface in {count} photographs; use more.");
            }

            var median = Enumerable.Range(0, 3).Select(k => (float)Statistics.Median(samples[i].Select(s => (double)s.Mean[k]))).ToArray();
            var spread = Statistics.Median(samples[i].Select(s => Distance(s.Mean, median))) * 10;
            var (triangle, weights) = Snap(median, samples[i].Select(s => s.Triangle).Distinct());
            var vertices = new[] { _data.Triangles[triangle * 3], _data.Triangles[(triangle * 3) + 1], _data.Triangles[(triangle * 3) + 2] };
            result[i] = new DenseLandmarkPoint(vertices, weights, contour.Contains(i), samples[i].Count, Math.Round(spread, 3));
        }

        var about = "Where MediaPipe Face Mesh's 468 points and the iris centres (468 left, 469 right) lie on ICT-FaceKit, learnt from " +
                    $"{count} synthetic photographs (seed {seed}) by `faceclip models build-dense-map`; docs/dense-landmarks.md.";
        return new DenseLandmarkMap(about, _data.SourceKey, count, seed, result);
    }

    /// <summary>How far the map's points, placed on the true geometry, fall from Face Mesh's on new photographs.</summary>
    public DenseMapCheck Check(DenseLandmarkMap map, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(map);
        var (all, oval, irises, interior, ibug) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        var inner = Enumerable.Range(0, DenseFace.MeshPoints).Except(DenseLandmarkMap.FaceOval).ToList();
        foreach (var face in _generator.Draw(count, seed))
        {
            if (Read(face) is not { } read)
            {
                continue;
            }

            var (dense, detected, camera, x, y) = read;
            var truth = ReferenceRenderer.CameraPoints(face, map.Positions(SyntheticFaceGenerator.Vertices(_data, face.Identity, face.Expression)));
            var (px, py) = ReferenceRenderer.PixelPoints(face, truth);
            var points = dense.MapPoints();
            var eye = dense.OuterEyeDistance;
            double Error(IEnumerable<int> ids) => ids.Average(i => LandmarkError.Distance(points[i], ((float)px[i], (float)py[i]))) / eye;
            all.Add(Error(Enumerable.Range(0, DenseFace.MeshPoints)));
            oval.Add(Error(DenseLandmarkMap.FaceOval));
            irises.Add(Error([DenseLandmarkMap.IrisCentre, DenseLandmarkMap.IrisCentre + 1]));
            interior.Add(Error(inner));
            ibug.Add(Enumerable.Range(17, 51).Average(i => LandmarkError.Distance(detected[i], ((float)x[_data.Landmarks[i]], (float)y[_data.Landmarks[i]]))) / eye);
        }

        return all.Count == 0
            ? new DenseMapCheck(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN)
            : new DenseMapCheck(all.Count, Statistics.Median(all), Statistics.Median(oval), Statistics.Median(irises), Statistics.Median(interior), Statistics.Median(ibug));
    }

    /// <summary>Photographs a face and reads its dense landmarks; null when face-api finds no face.</summary>
    private (DenseFace Dense, IReadOnlyList<(float X, float Y)> Detected, double[] Camera, double[] X, double[] Y)? Read(SyntheticFace face)
    {
        var vertices = SyntheticFaceGenerator.Vertices(_data, face.Identity, face.Expression);
        var photo = _renderer.Render(face, vertices);
        using var image = FaceImage.Decode(photo.Jpeg, $"synthetic-{face.Index}");
        var analysis = _faces.Analyse(image, expressions: false, descriptors: false);
        if (analysis.Faces.Count == 0)
        {
            return null;
        }

        var largest = analysis.Faces.MaxBy(f => f.Box.Area)!;
        var dense = _dense.Detect(image, [largest])[0];
        var camera = ReferenceRenderer.CameraPoints(face, vertices);
        var (x, y) = ReferenceRenderer.PixelPoints(face, camera);
        return (dense, largest.Landmarks, camera, x, y);
    }

    /// <summary>
    /// For each image point, the nearest triangle of the face (the last two points, the iris centres: of the eyes)
    /// whose projection holds it, and the point's barycentric weights there; null where none does.
    /// </summary>
    private (int Triangle, float[] Weights)?[] Hits((float X, float Y)[] points, double[] camera, double[] x, double[] y)
    {
        var result = new (int Triangle, float[] Weights)?[points.Length];
        var irisStart = DenseLandmarkMap.IrisCentre;
        for (var start = 0; start < irisStart; start += 64)
        {
            Fill(result, points, start, Math.Min(64, irisStart - start), _faceTriangles, camera, x, y);
        }

        Fill(result, points, irisStart, points.Length - irisStart, _eyeTriangles, camera, x, y);
        return result;
    }

    /// <summary>Hits of points start .. start + count - 1 among <paramref name="triangles"/>: the nearest triangle
    /// whose projection holds the point, as the photograph shows the nearest surface (faces turned away are behind
    /// nearer ones).</summary>
    private void Fill((int Triangle, float[] Weights)?[] result, (float X, float Y)[] points, int start, int count, int[] triangles,
        double[] camera, double[] x, double[] y)
    {
        using var scope = NewDisposeScope();
        var t = triangles.Length;
        var corners = new float[t * 3 * 3]; // x, y, depth of each corner
        for (var i = 0; i < t; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                var v = _data.Triangles[(triangles[i] * 3) + c];
                corners[(((i * 3) + c) * 3) + 0] = (float)x[v];
                corners[(((i * 3) + c) * 3) + 1] = (float)y[v];
                corners[(((i * 3) + c) * 3) + 2] = (float)-camera[(v * 3) + 2];
            }
        }

        var tri = tensor(corners, [t, 3, 3]);
        var (ax, ay, bx, by, cx, cy) = (tri[.., 0, 0], tri[.., 0, 1], tri[.., 1, 0], tri[.., 1, 1], tri[.., 2, 0], tri[.., 2, 1]);
        var area = ((bx - ax) * (cy - ay)) - ((cx - ax) * (by - ay));
        var p = tensor(points.Skip(start).Take(count).SelectMany(q => new[] { q.X, q.Y }).ToArray(), [count, 2]);
        var (px, py) = (p[.., 0].unsqueeze(1), p[.., 1].unsqueeze(1));
        var w0 = (((bx - px) * (cy - py)) - ((cx - px) * (by - py))) / area;
        var w1 = (((cx - px) * (ay - py)) - ((ax - px) * (cy - py))) / area;
        var w2 = 1 - w0 - w1;
        var inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0) & (area.abs() > 1e-9);
        var depth = (w0 * tri[.., 0, 2]) + (w1 * tri[.., 1, 2]) + (w2 * tri[.., 2, 2]);
        depth = depth.masked_fill(inside.logical_not(), float.PositiveInfinity);
        var (nearest, index) = depth.min(1);
        var found = nearest.isfinite().data<bool>().ToArray();
        var ids = index.data<long>().ToArray();
        var (a, b, c2) = (w0.gather(1, index.unsqueeze(1)).data<float>().ToArray(), w1.gather(1, index.unsqueeze(1)).data<float>().ToArray(), w2.gather(1, index.unsqueeze(1)).data<float>().ToArray());
        for (var i = 0; i < count; i++)
        {
            if (found[i])
            {
                result[start + i] = (triangles[(int)ids[i]], [a[i], b[i], c2[i]]);
            }
        }
    }

    private float[] OnMeanFace(int triangle, float[] weights)
    {
        var result = new float[3];
        for (var c = 0; c < 3; c++)
        {
            var v = _data.Triangles[(triangle * 3) + c];
            for (var k = 0; k < 3; k++)
            {
                result[k] += weights[c] * _data.Neutral[(v * 3) + k];
            }
        }

        return result;
    }

    /// <summary>The closest point to <paramref name="target"/> on the given triangles of the mean face.</summary>
    private (int Triangle, float[] Weights) Snap(float[] target, IEnumerable<int> candidates)
    {
        var best = (Triangle: -1, Weights: Array.Empty<float>(), Distance: double.MaxValue);
        foreach (var t in candidates)
        {
            var corners = Enumerable.Range(0, 3).Select(c => _data.Triangles[(t * 3) + c]).Select(v => new[] { _data.Neutral[v * 3], _data.Neutral[(v * 3) + 1], _data.Neutral[(v * 3) + 2] }).ToArray();
            var weights = ClosestPoint(target, corners[0], corners[1], corners[2]);
            var point = Enumerable.Range(0, 3).Select(k => (weights[0] * corners[0][k]) + (weights[1] * corners[1][k]) + (weights[2] * corners[2][k])).ToArray();
            var d = Distance(point, target);
            if (d < best.Distance)
            {
                best = (t, weights, d);
            }
        }

        return (best.Triangle, best.Weights);
    }

    /// <summary>Barycentric weights of the point of triangle abc closest to p (Ericson, Real-Time Collision Detection 5.1.5).</summary>
    internal static float[] ClosestPoint(float[] p, float[] a, float[] b, float[] c)
    {
        static double Dot(double[] u, double[] v) => (u[0] * v[0]) + (u[1] * v[1]) + (u[2] * v[2]);
        double[] Sub(float[] u, float[] v) => [u[0] - v[0], u[1] - v[1], u[2] - v[2]];
        var (ab, ac, ap) = (Sub(b, a), Sub(c, a), Sub(p, a));
        double d1 = Dot(ab, ap), d2 = Dot(ac, ap);
        if (d1 <= 0 && d2 <= 0)
        {
            return [1, 0, 0];
        }

        var bp = Sub(p, b);
        double d3 = Dot(ab, bp), d4 = Dot(ac, bp);
        if (d3 >= 0 && d4 <= d3)
        {
            return [0, 1, 0];
        }

        var vc = (d1 * d4) - (d3 * d2);
        if (vc <= 0 && d1 >= 0 && d3 <= 0)
        {
            var v = d1 / (d1 - d3);
            return [(float)(1 - v), (float)v, 0];
        }

        var cp = Sub(p, c);
        double d5 = Dot(ab, cp), d6 = Dot(ac, cp);
        if (d6 >= 0 && d5 <= d6)
        {
            return [0, 0, 1];
        }

        var vb = (d5 * d2) - (d1 * d6);
        if (vb <= 0 && d2 >= 0 && d6 <= 0)
        {
            var w = d2 / (d2 - d6);
            return [(float)(1 - w), 0, (float)w];
        }

        var va = (d3 * d6) - (d5 * d4);
        if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0)
        {
            var w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
            return [0, (float)(1 - w), (float)w];
        }

        var denom = 1 / (va + vb + vc);
        var (vv, ww) = (vb * denom, vc * denom);
        return [(float)(1 - vv - ww), (float)vv, (float)ww];
    }

    private static double Distance(float[] a, float[] b) =>
        Math.Sqrt(Math.Pow(a[0] - b[0], 2) + Math.Pow(a[1] - b[1], 2) + Math.Pow(a[2] - b[2], 2));
}
