using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// The paper's geometric details: a displacement map over the face's UV tile (centimetres along the normal, positive
/// outwards), shown per pixel by normal mapping (<see cref="SurfaceDetail"/>): the renderer bends each pixel's normal
/// by the map's slopes there, so wrinkles finer than the mesh shade as they would on a displaced surface. The map
/// reaches the skin of the front face only (<see cref="SkinWeights"/>): it fades in over a few vertex rings from the
/// fitting region's border and out near the brows, eyes and lips, whose colour edges are not shape.
/// </summary>
public sealed class DisplacementMap : IDisposable
{
    /// <summary>Vertex rings over which the displacement fades in from the fitting region's border.</summary>
    public const int BorderRings = 3;

    /// <summary>No detail within this distance (cm, on the mean face) of a brow, eye or lip landmark.</summary>
    public const float FeatureNear = 0.3f;

    /// <summary>Full detail from this distance (cm) of the brow, eye and lip landmarks on.</summary>
    public const float FeatureFar = 0.75f;

    private readonly Tensor _uvs;
    private readonly Tensor _weight;

    /// <param name="model">The face model (UVs, topology).</param>
    /// <param name="resolution">Side of the square map in texels.</param>
    public DisplacementMap(FaceModel model, int resolution)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 8);
        var data = model.Data;
        var device = model.Device;
        _uvs = tensor(data.VertexUvs(), device: device).view(data.VertexCount, 2).DetachFromDisposeScope();
        _weight = tensor(SkinWeights(data), device: device).DetachFromDisposeScope();
        Resolution = resolution;
        Map = new Parameter(zeros(1, 1, resolution, resolution, device: device), requires_grad: true);
        Map.DetachFromDisposeScope();
    }

    public int Resolution { get; }

    /// <summary>The map [1, 1, R, R] in centimetres; row 0 is v = 1 (the top of the face tile).</summary>
    public Parameter Map { get; }

    /// <summary>Per vertex [V]: how much of the map the surface takes there (0 off the front face's skin).</summary>
    public Tensor VertexWeights => _weight;

    /// <summary>What the renderer needs to show the map (<see cref="Rendering.MeshRenderer.Render"/>).</summary>
    public SurfaceDetail Detail => new(Map, _uvs, _weight);

    /// <summary>Mean squared 5-point Laplacian of the map (cm² per texel²): keeps the details smooth.</summary>
    public Tensor Smoothness()
    {
        var padded = nn.functional.pad(Map, new long[] { 1, 1, 1, 1 }, TorchSharp.PaddingModes.Replicate);
        var centre = padded.narrow(2, 1, Resolution).narrow(3, 1, Resolution);
        var laplacian = padded.narrow(2, 0, Resolution).narrow(3, 1, Resolution) + padded.narrow(2, 2, Resolution).narrow(3, 1, Resolution)
            + padded.narrow(2, 1, Resolution).narrow(3, 0, Resolution) + padded.narrow(2, 1, Resolution).narrow(3, 2, Resolution) - (4 * centre);
        return laplacian.square().mean();
    }

    /// <summary>Mean squared displacement over the map (cm²): keeps the details small, and the texels no pixel sees at 0.</summary>
    public Tensor Magnitude() => Map.square().mean();

    /// <summary>The map as a 16-bit greyscale PNG over the face's UV tile, mapped linearly from
    /// [<paramref name="low"/>, <paramref name="high"/>] centimetres (the range of the map, symmetric about 0).</summary>
    public byte[] ToPng(out float low, out float high)
    {
        using var noGrad = no_grad();
        var values = Map.detach().cpu().data<float>().ToArray();
        var extent = Math.Max(1e-6f, values.Max(Math.Abs));
        (low, high) = (-extent, extent);
        using var image = new Image<L16>(Resolution, Resolution);
        for (var y = 0; y < Resolution; y++)
        {
            for (var x = 0; x < Resolution; x++)
            {
                var t = (values[(y * Resolution) + x] + extent) / (2 * extent);
                image[x, y] = new L16((ushort)Math.Clamp(Math.Round(t * ushort.MaxValue), 0, ushort.MaxValue));
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>
    /// The map as a tangent-space normal map [3, R, R] over the face's UV tile, components in [-1, 1]: x along the
    /// surface's u direction, y along v, z outwards (the convention of glTF's <c>normalTexture</c>), for the surface
    /// <paramref name="vertices"/> [1, V, 3] drawn in the map by <paramref name="raster"/> (<see cref="Raster"/>).
    /// Texels no triangle covers are (0, 0, 1).
    /// </summary>
    public Tensor TangentSpaceNormals(Tensor vertices, MeshTopology fitting, UvRaster raster)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        ArgumentNullException.ThrowIfNull(fitting);
        ArgumentNullException.ThrowIfNull(raster);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var surface = vertices.detach().to(Map.dtype);
        var normals = MeshNormals.VertexNormals(surface, fitting.TriangleTensor);
        var frames = SurfaceDetail.Tangents(surface, fitting.TriangleTensor, _uvs);
        var gradients = SurfaceDetail.TangentGradients(surface, normals, fitting.TriangleTensor, _uvs);
        var (values, coverage) = raster.Interpolate(cat([normals, frames, gradients, _weight.view(1, -1, 1).to(Map.dtype)], 2)[0]);
        var texels = values.view(values.shape[0], -1).T;
        var n = nn.functional.normalize(texels.narrow(1, 0, 3), dim: 1, eps: 1e-12);
        var slopes = SurfaceDetail.Slopes(Map.detach())[0].view(2, -1).T;
        var bent = SurfaceDetail.Perturb(n, texels.narrow(1, 9, 6), texels.narrow(1, 15, 1), slopes);
        var t = texels.narrow(1, 3, 3);
        var tangent = nn.functional.normalize(t - ((t * n).sum(1, keepdim: true) * n), dim: 1, eps: 1e-12);
        var handedness = (linalg.cross(t, texels.narrow(1, 6, 3)) * n).sum(1, keepdim: true).sign();
        var bitangent = linalg.cross(n, tangent) * handedness;
        var local = stack([(bent * tangent).sum(1), (bent * bitangent).sum(1), (bent * n).sum(1)], 0);
        var flat = tensor(new[] { 0f, 0f, 1f }, dtype: local.dtype, device: local.device).view(3, 1);
        var covered = coverage.view(1, -1) > 0.5;
        return where(covered, local, flat).view(3, Resolution, Resolution).MoveToOuterDisposeScope();
    }

    /// <summary>The fitting region drawn in the map's UV tile at its resolution.</summary>
    public UvRaster Raster(FaceModelData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new UvRaster(data.VertexUvs(), data.VerticesOfTriangles(data.FittingTriangleIds()), Resolution, _uvs.device);
    }

    /// <summary>Per vertex: <see cref="BorderWeights"/> times a ramp from 0 within <see cref="FeatureNear"/> of the
    /// brows, eyes and lips (the 68-point scheme's 17-26 and 36-67) to 1 from <see cref="FeatureFar"/> on.</summary>
    internal static float[] SkinWeights(FaceModelData data)
    {
        var weights = BorderWeights(data);
        var features = Enumerable.Range(17, 10).Concat(Enumerable.Range(36, 32)).Select(i => data.Landmarks[i]).ToArray();
        for (var v = 0; v < weights.Length; v++)
        {
            if (weights[v] == 0)
            {
                continue;
            }

            var nearest = features.Min(f => Distance(data.Neutral, v, f));
            weights[v] *= Math.Clamp((nearest - FeatureNear) / (FeatureFar - FeatureNear), 0f, 1f);
        }

        return weights;

        static float Distance(float[] p, int a, int b)
        {
            float dx = p[3 * a] - p[3 * b], dy = p[(3 * a) + 1] - p[(3 * b) + 1], dz = p[(3 * a) + 2] - p[(3 * b) + 2];
            return MathF.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
        }
    }

    /// <summary>1 on front-face vertices at least <see cref="BorderRings"/> rings in from the region's border, ramping
    /// down to 0 on the border; 0 elsewhere.</summary>
    internal static float[] BorderWeights(FaceModelData data)
    {
        var fitting = data.FittingTriangleIds();
        var inside = new bool[data.VertexCount];
        foreach (var v in data.VerticesOfTriangles(fitting))
        {
            inside[v] = true;
        }

        // Border: region vertices that also belong to a triangle outside the region.
        var inRegion = new bool[data.TriangleCount];
        foreach (var t in fitting)
        {
            inRegion[t] = true;
        }

        var neighbours = new List<int>[data.VertexCount];
        var rings = new int[data.VertexCount];
        Array.Fill(rings, -1);
        var frontier = new Queue<int>();
        for (var t = 0; t < data.TriangleCount; t++)
        {
            for (var k = 0; k < 3; k++)
            {
                var a = data.Triangles[(t * 3) + k];
                var b = data.Triangles[(t * 3) + ((k + 1) % 3)];
                (neighbours[a] ??= []).Add(b);
                (neighbours[b] ??= []).Add(a);
                if (!inRegion[t] && inside[a] && rings[a] < 0)
                {
                    rings[a] = 0;
                    frontier.Enqueue(a);
                }
            }
        }

        while (frontier.Count > 0)
        {
            var v = frontier.Dequeue();
            foreach (var n in neighbours[v] ?? [])
            {
                if (inside[n] && rings[n] < 0)
                {
                    rings[n] = rings[v] + 1;
                    frontier.Enqueue(n);
                }
            }
        }

        var weights = new float[data.VertexCount];
        for (var v = 0; v < data.VertexCount; v++)
        {
            if (inside[v])
            {
                weights[v] = rings[v] < 0 ? 1f : Math.Min(1f, rings[v] / (float)BorderRings);
            }
        }

        return weights;
    }

    public void Dispose()
    {
        _uvs.Dispose();
        _weight.Dispose();
        Map.Dispose();
    }
}
