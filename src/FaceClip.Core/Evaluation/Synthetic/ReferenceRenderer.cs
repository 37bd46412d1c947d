using FaceClip.Core.Geometry;
using SkiaSharp;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>What the reference renderer draws: triangles over vertex ids, each one's region, mouth-socket flag and
/// winding (+1 counter-clockwise seen from outside), and the vertices' UVs.</summary>
internal sealed record ReferenceRendererGeometry(int[] Triangles, FaceRegion[] Regions, bool[] MouthSocket, double[] Outward, float[] Uvs);

/// <summary>A photographed synthetic face: the JPEG as a fitter would receive it and the true 68 landmarks in its
/// pixels (the jaw line on the visible silhouette).</summary>
/// <param name="Vertices">The true unposed vertices it was photographed from (V*3, cm), without the detail displacement.</param>
public sealed record SyntheticPhoto(byte[] Jpeg, (float X, float Y)[] Landmarks, int Width, int Height, float[] Vertices);

/// <summary>
/// Photographs synthetic faces by a path that shares nothing with the fitter's forward model: Skia's 2D rasteriser
/// (painter's order, back-face culling, supersampled and filtered down), its own pinhole projection and per-vertex
/// Lambert shading from a key light with ambient light (not spherical harmonics), a painted skin texture
/// (<see cref="SkinPainter"/>: blotches, pores, brows, lips, lash lines, hairline) on the face, coloured eyes, teeth,
/// gums, mouth socket and hair, the whole head over a blurred photo background, then optical blur, sensor noise and
/// JPEG compression.
/// </summary>
public sealed class ReferenceRenderer
{
    private static readonly FaceRegion[] Drawn =
    [
        FaceRegion.Face, FaceRegion.BackHead, FaceRegion.GumsTongue, FaceRegion.Teeth,
        FaceRegion.ScleraLeft, FaceRegion.ScleraRight, FaceRegion.IrisLeft, FaceRegion.IrisRight,
    ];

    private readonly FaceModelData _data;
    private readonly IReadOnlyList<SKBitmap> _backgrounds;
    private readonly int _supersampling;
    private readonly ReferenceRendererGeometry _base;
    private readonly float[] _vertexUvs;
    private FineFaceMesh? _fine;


    /// <param name="data">The face model the faces are made of.</param>
    /// <param name="backgrounds">Photos to crop backgrounds from (blurred strongly); none: a painted gradient.</param>
    /// <param name="supersampling">Render at this many times the photo's resolution, then filter down.</param>
    public ReferenceRenderer(FaceModelData data, IReadOnlyList<SKBitmap>? backgrounds = null, int supersampling = 3)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        _backgrounds = backgrounds ?? [];
        _supersampling = Math.Clamp(supersampling, 1, 6);
        var ids = Enumerable.Range(0, data.TriangleCount).Where(t => Drawn.Contains(data.TriangleRegions[t])).ToArray();
        var triangles = data.VerticesOfTriangles(ids);
        var regions = ids.Select(t => data.TriangleRegions[t]).ToArray();
        _vertexUvs = data.VertexUvs();
        _base = new ReferenceRendererGeometry(triangles, regions, MouthSocket(data, triangles, regions), Outward(data, triangles, regions), _vertexUvs);
    }

    /// <summary>Photographs <paramref name="face"/> whose unposed vertices (V*3, cm) are <paramref name="vertices"/>.
    /// With <paramref name="displacement"/> (a map over the face's UV tile, cm along the normal, row 0 is v = 1;
    /// <see cref="WrinkleMap"/>), the front face is subdivided (<see cref="FineFaceMesh"/>) and its vertices displaced by
    /// the map: the photo shows the detail as geometry, shaded per vertex of the fine mesh.</summary>
    public SyntheticPhoto Render(SyntheticFace face, float[] vertices, float[]? displacement = null)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(vertices);
        var geometry = _base;
        var points = vertices;
        if (displacement is not null)
        {
            _fine ??= new FineFaceMesh(_data, _base, FineFaceMesh.DefaultLevels);
            geometry = _fine.Geometry;
            points = _fine.Displaced(vertices, VertexNormals(_base, ToDouble(vertices)), displacement);
        }

        var camera = CameraPoints(face, points);
        var (u, w) = Project(face, camera, _supersampling);
        var normals = VertexNormals(geometry, camera);
        if (_fine is not null && displacement is not null)
        {
            // The fine mesh is the coarse one split flat: its own normals are the coarse facets'. What the detail adds
            // is the change between the displaced and the flat fine mesh's normals, added to the coarse mesh's smooth
            // normals mixed onto the fine vertices.
            var flat = VertexNormals(geometry, CameraPoints(face, Array.ConvertAll(_fine.Mix(ToDouble(vertices)), v => (float)v)));
            var smooth = _fine.Mix(VertexNormals(_base, CameraPoints(face, vertices)));
            for (var i = 0; i < normals.Length; i += 3)
            {
                var (x, y, z) = (smooth[i] + normals[i] - flat[i], smooth[i + 1] + normals[i + 1] - flat[i + 1], smooth[i + 2] + normals[i + 2] - flat[i + 2]);
                var length = Math.Sqrt((x * x) + (y * y) + (z * z));
                (normals[i], normals[i + 1], normals[i + 2]) = length > 0 ? (x / length, y / length, z / length) : (0, 0, 0);
            }
        }

        var shade = Shade(face, normals);
        var random = new Random(face.Seed);

        var big = new SKImageInfo(face.Width * _supersampling, face.Height * _supersampling, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(big);
        var canvas = surface.Canvas;
        DrawBackground(canvas, big, face, random);
        using (var skin = SkinPainter.Paint(_data, face, _vertexUvs, random))
        {
            DrawHead(canvas, geometry, face, camera, u, w, shade, skin);
        }

        if (face.Occluders != SyntheticOccluders.None)
        {
            SyntheticOccluderPainter.Paint(canvas, face, Landmarks(u, w), new Random(unchecked(face.Seed * 17) + 3));
        }

        using var supersampled = surface.Snapshot();
        var photo = Finish(supersampled, face, random);
        var (px, py) = Project(face, camera, 1);
        return new SyntheticPhoto(photo, Landmarks(px, py), face.Width, face.Height, vertices);
    }

    /// <summary>The face's vertices (V*3, cm, unposed) in camera space: rotated by its pose and placed at its position.</summary>
    public static double[] CameraPoints(SyntheticFace face, float[] vertices)
    {
        ArgumentNullException.ThrowIfNull(face);
        return CameraPoints(face.Yaw, face.Pitch, face.Roll, face.Position, vertices);
    }

    /// <summary>Unposed vertices (V*3, cm) rotated by yaw, pitch and roll in degrees
    /// (<see cref="SyntheticFaceGenerator.Rotation"/>) and placed at <paramref name="position"/>: camera space.</summary>
    internal static double[] CameraPoints(double yaw, double pitch, double roll, double[] position, float[] vertices)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        var v = vertices.Length / 3;
        var rotation = SyntheticFaceGenerator.Rotation(yaw, pitch, roll);
        var camera = new double[v * 3];
        for (var i = 0; i < v; i++)
        {
            for (var r = 0; r < 3; r++)
            {
                camera[(i * 3) + r] = (rotation[r * 3] * vertices[i * 3]) + (rotation[(r * 3) + 1] * vertices[(i * 3) + 1]) + (rotation[(r * 3) + 2] * vertices[(i * 3) + 2]) + position[r];
            }
        }

        return camera;
    }

    /// <summary>Where camera-space points (<see cref="CameraPoints"/>) fall in the photo: pixel coordinates, x right, y
    /// down, (0, 0) the top-left corner of the image (pixel i spans [i, i + 1)).</summary>
    public static (double[] X, double[] Y) PixelPoints(SyntheticFace face, double[] camera)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(camera);
        return Project(face, camera, 1);
    }

    /// <summary>Pixel coordinates (x right, y down, (0, 0) the top-left corner) at <paramref name="scale"/> times the
    /// photo's resolution.</summary>
    private static (double[] X, double[] Y) Project(SyntheticFace face, double[] camera, int scale) =>
        Project(face.Focal, face.Width, face.Height, camera, scale);

    /// <summary>Camera-space points to pixels of a photo <paramref name="width"/> x <paramref name="height"/> taken
    /// with <paramref name="focal"/> (pixels), at <paramref name="scale"/> times its resolution.</summary>
    internal static (double[] X, double[] Y) Project(double focal, int width, int height, double[] camera, int scale)
    {
        var n = camera.Length / 3;
        var x = new double[n];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            var depth = Math.Max(-camera[(i * 3) + 2], 1e-3);
            x[i] = scale * ((width / 2.0) + (focal * camera[i * 3] / depth));
            y[i] = scale * ((height / 2.0) - (focal * camera[(i * 3) + 1] / depth));
        }

        return (x, y);
    }

    private static void DrawHead(SKCanvas canvas, ReferenceRendererGeometry g, SyntheticFace face, double[] camera, double[] x, double[] y, double[] shade, SkinTexture skin)
    {
        var (triangles, regions, mouthSocket, outward, uvs) = (g.Triangles, g.Regions, g.MouthSocket, g.Outward, g.Uvs);
        var count = triangles.Length / 3;
        var order = new List<(double Depth, int Triangle)>(count);
        for (var t = 0; t < count; t++)
        {
            int a = triangles[t * 3], b = triangles[(t * 3) + 1], c = triangles[(t * 3) + 2];
            // y grows downwards in the picture: a triangle that faces the camera has a negative area there
            var area = ((x[b] - x[a]) * (y[c] - y[a])) - ((x[c] - x[a]) * (y[b] - y[a]));
            if (regions[t] is FaceRegion.Face or FaceRegion.BackHead && -area * outward[t] <= 0)
            {
                continue; // skin facing away; the eyes, teeth and gums are drawn whole, in depth order
            }

            // The sclera's mesh is the whole eyeball, cornea included: sorted a little deeper, the iris shows through it.
            var bias = regions[t] is FaceRegion.ScleraLeft or FaceRegion.ScleraRight ? 3 * 0.6 : 0;
            order.Add((bias - (camera[(a * 3) + 2] + camera[(b * 3) + 2] + camera[(c * 3) + 2]), t));
        }

        order.Sort((p, q) => q.Depth.CompareTo(p.Depth)); // farthest first
        var positions = new SKPoint[order.Count * 3];
        var texture = new SKPoint[order.Count * 3];
        var colours = new SKColor[order.Count * 3];
        for (var k = 0; k < order.Count; k++)
        {
            var t = order[k].Triangle;
            var region = regions[t];
            for (var corner = 0; corner < 3; corner++)
            {
                var vertex = triangles[(t * 3) + corner];
                var slot = (k * 3) + corner;
                positions[slot] = new SKPoint((float)x[vertex], (float)y[vertex]);
                var s = shade[vertex];
                if (region == FaceRegion.Face)
                {
                    texture[slot] = skin.At(uvs[vertex * 2], uvs[(vertex * 2) + 1]);
                    colours[slot] = Colour([s * face.LightTint[0], s * face.LightTint[1], s * face.LightTint[2]]);
                }
                else
                {
                    texture[slot] = skin.White;
                    var albedo = RegionColour(face, region, mouthSocket[t]);
                    colours[slot] = Colour([albedo[0] * s * face.LightTint[0], albedo[1] * s * face.LightTint[1], albedo[2] * s * face.LightTint[2]]);
                }
            }
        }

        using var shader = skin.Image.ToShader(SKShaderTileMode.Clamp, SKShaderTileMode.Clamp, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var paint = new SKPaint { Shader = shader, IsAntialias = false };
        using var mesh = SKVertices.CreateCopy(SKVertexMode.Triangles, positions, texture, colours);
        canvas.DrawVertices(mesh, SKBlendMode.Modulate, paint);
    }

    private static double[] RegionColour(SyntheticFace face, FaceRegion region, bool mouthSocket) => region switch
    {
        FaceRegion.BackHead when mouthSocket => [0.30, 0.10, 0.10],
        FaceRegion.BackHead => face.Hair,
        FaceRegion.GumsTongue => [0.62, 0.28, 0.30],
        FaceRegion.Teeth => [0.86, 0.83, 0.74],
        FaceRegion.ScleraLeft or FaceRegion.ScleraRight => [0.86, 0.84, 0.82],
        FaceRegion.IrisLeft or FaceRegion.IrisRight => face.Iris,
        _ => face.Skin,
    };

    /// <summary>Lambert shading per vertex: ambient + key·max(0, n·l).</summary>
    private static double[] Shade(SyntheticFace face, double[] normals)
    {
        var n = normals.Length / 3;
        var result = new double[n];
        var l = face.LightDirection;
        for (var i = 0; i < n; i++)
        {
            var lambert = Math.Max(0, (normals[i * 3] * l[0]) + (normals[(i * 3) + 1] * l[1]) + (normals[(i * 3) + 2] * l[2]));

            result[i] = Math.Min(1, face.Ambient + (face.KeyLight * lambert));
        }

        return result;
    }

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>Area-weighted vertex normals of the drawn triangles, outward.</summary>
    private static double[] VertexNormals(ReferenceRendererGeometry g, double[] p)
    {
        var (triangles, outward) = (g.Triangles, g.Outward);
        var normals = new double[p.Length];
        for (var t = 0; t < triangles.Length / 3; t++)
        {
            int a = triangles[t * 3] * 3, b = triangles[(t * 3) + 1] * 3, c = triangles[(t * 3) + 2] * 3;
            double ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
            double vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
            double nx = (uy * vz) - (uz * vy), ny = (uz * vx) - (ux * vz), nz = (ux * vy) - (uy * vx);
            foreach (var i in new[] { a, b, c })
            {
                normals[i] += nx * outward[t];
                normals[i + 1] += ny * outward[t];
                normals[i + 2] += nz * outward[t];
            }
        }

        for (var i = 0; i < normals.Length; i += 3)
        {
            var length = Math.Sqrt((normals[i] * normals[i]) + (normals[i + 1] * normals[i + 1]) + (normals[i + 2] * normals[i + 2]));
            if (length > 0)
            {
                normals[i] /= length;
                normals[i + 1] /= length;
                normals[i + 2] /= length;
            }
        }

        return normals;
    }

    private void DrawBackground(SKCanvas canvas, SKImageInfo info, SyntheticFace face, Random random)
    {
        if (_backgrounds.Count == 0)
        {
            var top = Colour([Uniform(random, 0.2, 0.9), Uniform(random, 0.2, 0.9), Uniform(random, 0.2, 0.9)]);
            var bottom = Colour([Uniform(random, 0.1, 0.7), Uniform(random, 0.1, 0.7), Uniform(random, 0.1, 0.7)]);
            using var gradient = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(info.Width * 0.3f, info.Height), [top, bottom], SKShaderTileMode.Clamp);
            using var fill = new SKPaint { Shader = gradient };
            canvas.DrawRect(0, 0, info.Width, info.Height, fill);
            return;
        }

        var photo = _backgrounds[random.Next(_backgrounds.Count)];
        var side = Math.Min(photo.Width, photo.Height) * Uniform(random, 0.35, 0.6);
        var left = Uniform(random, 0, photo.Width - side);
        var top2 = Uniform(random, 0, photo.Height - side);
        using var image = SKImage.FromBitmap(photo);
        using var blur = SKImageFilter.CreateBlur(info.Width / 60f, info.Width / 60f);
        using var paint = new SKPaint { ImageFilter = blur };
        canvas.Save();
        if (random.Next(2) == 0)
        {
            canvas.Scale(-1, 1, info.Width / 2f, 0);
        }

        canvas.DrawImage(image, SKRect.Create((float)left, (float)top2, (float)side, (float)side), SKRect.Create(-info.Width * 0.05f, -info.Height * 0.05f, info.Width * 1.1f, info.Height * 1.1f),
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
        canvas.Restore();
        _ = face;
    }

    /// <summary>Filters the supersampled picture down to the photo's size, blurs it, adds noise and encodes a JPEG.</summary>
    private static byte[] Finish(SKImage supersampled, SyntheticFace face, Random random)
    {
        var info = new SKImageInfo(face.Width, face.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var blur = face.Blur > 0.05 ? SKImageFilter.CreateBlur((float)face.Blur, (float)face.Blur) : null;
            using var paint = new SKPaint { ImageFilter = blur };
            canvas.DrawImage(supersampled, SKRect.Create(face.Width, face.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
        }

        var pixels = bitmap.GetPixelSpan();
        var noisy = new byte[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            noisy[i] = (i & 3) == 3 ? (byte)255 : (byte)Math.Clamp(Math.Round(pixels[i] + (face.Noise * Gaussian(random))), 0, 255);
        }

        using var noisyImage = SKImage.FromPixelCopy(info, noisy);
        using var jpeg = noisyImage.Encode(SKEncodedImageFormat.Jpeg, face.JpegQuality);
        return jpeg.ToArray();
    }

    /// <summary>The true 68 landmarks: the model's landmark vertices, the jaw line moved to the outermost of its
    /// contour candidates (the visible silhouette).</summary>
    private (float X, float Y)[] Landmarks(double[] x, double[] y)
    {
        var result = new (float X, float Y)[68];
        for (var k = 0; k < 68; k++)
        {
            var vertex = _data.Landmarks[k];
            if (k < _data.ContourCandidates.Length && k != 8)
            {
                var leftSide = _data.Neutral[vertex * 3] < 0; // the subject's right: the image's left
                vertex = _data.ContourCandidates[k].MinBy(c => leftSide ? x[c] : -x[c]);
            }

            result[k] = ((float)x[vertex], (float)y[vertex]);
        }

        return result;
    }

    /// <summary>Back-head triangles near the mouth are the mouth socket (drawn dark red, not as hair).</summary>
    private static bool[] MouthSocket(FaceModelData data, int[] triangles, FaceRegion[] regions)
    {
        var centre = new double[3];
        for (var k = 60; k < 68; k++)
        {
            for (var c = 0; c < 3; c++)
            {
                centre[c] += data.Neutral[(data.Landmarks[k] * 3) + c] / 8;
            }
        }

        var result = new bool[regions.Length];
        for (var t = 0; t < regions.Length; t++)
        {
            if (regions[t] != FaceRegion.BackHead)
            {
                continue;
            }

            var vertex = triangles[t * 3];
            double dx = data.Neutral[vertex * 3] - centre[0], dy = data.Neutral[(vertex * 3) + 1] - centre[1], dz = data.Neutral[(vertex * 3) + 2] - centre[2];
            result[t] = (dx * dx) + (dy * dy) + (dz * dz) < 5.0 * 5.0;
        }

        return result;
    }

    /// <summary>Per triangle, +1 when its region's triangles wind counter-clockwise seen from outside (the cross
    /// product of their edges points away from the region's centre, by area-weighted vote), else -1.</summary>
    private static double[] Outward(FaceModelData data, int[] triangles, FaceRegion[] regions)
    {
        var p = data.Neutral;
        var votes = new Dictionary<FaceRegion, double>();
        foreach (var region in regions.Distinct())
        {
            var members = Enumerable.Range(0, regions.Length).Where(t => regions[t] == region).ToArray();
            var centre = new double[3];
            foreach (var t in members)
            {
                for (var k = 0; k < 3; k++)
                {
                    centre[k] += p[(triangles[t * 3] * 3) + k] / members.Length;
                }
            }

            double vote = 0;
            foreach (var t in members)
            {
                int a = triangles[t * 3] * 3, b = triangles[(t * 3) + 1] * 3, c = triangles[(t * 3) + 2] * 3;
                double ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
                double vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
                double nx = (uy * vz) - (uz * vy), ny = (uz * vx) - (ux * vz), nz = (ux * vy) - (uy * vx);
                vote += (nx * (p[a] - centre[0])) + (ny * (p[a + 1] - centre[1])) + (nz * (p[a + 2] - centre[2]));
            }

            votes[region] = vote >= 0 ? 1 : -1;
        }

        return regions.Select(r => votes[r]).ToArray();
    }

    internal static SKColor Colour(double[] rgb) =>
        new((byte)Math.Clamp(Math.Round(rgb[0] * 255), 0, 255), (byte)Math.Clamp(Math.Round(rgb[1] * 255), 0, 255), (byte)Math.Clamp(Math.Round(rgb[2] * 255), 0, 255));

    internal static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());

    internal static double Gaussian(Random random)
    {
        var u1 = 1 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
