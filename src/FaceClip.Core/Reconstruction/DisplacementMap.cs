using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// The paper's geometric details: a displacement map over the face's UV tile (centimetres, positive outwards), applied
/// to the vertices along the normals of the fitted base surface. Each vertex samples the map bilinearly at its UV;
/// only the front face (the fitting region) moves, with a weight that ramps from 0 on the region's border to 1 a few
/// vertex rings inside, so the detailed face joins the rest of the head without a step.
/// </summary>
public sealed class DisplacementMap : IDisposable
{
    /// <summary>Vertex rings over which the displacement fades in from the fitting region's border.</summary>
    public const int BorderRings = 3;

    private readonly Tensor _grid;
    private readonly Tensor _weight;

    /// <param name="model">The face model (UVs, topology).</param>
    /// <param name="resolution">Side of the square map in texels.</param>
    public DisplacementMap(FaceModel model, int resolution)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 8);
        var data = model.Data;
        var device = model.Device;
        var uv = data.VertexUvs();
        var grid = new float[data.VertexCount * 2];
        for (var v = 0; v < data.VertexCount; v++)
        {
            grid[2 * v] = (2 * uv[2 * v]) - 1;     // u 0..1 → x -1..1
            grid[(2 * v) + 1] = 1 - (2 * uv[(2 * v) + 1]); // v up, rows down: v 1 is row 0
        }

        _grid = tensor(grid, device: device).view(1, 1, data.VertexCount, 2).DetachFromDisposeScope();
        _weight = tensor(BorderWeights(data), device: device).view(1, data.VertexCount, 1).DetachFromDisposeScope();
        Resolution = resolution;
        Map = new Parameter(zeros(1, 1, resolution, resolution, device: device), requires_grad: true);
        Map.DetachFromDisposeScope();
    }

    public int Resolution { get; }

    /// <summary>The map [1, 1, R, R] in centimetres; row 0 is v = 1 (the top of the face tile).</summary>
    public Parameter Map { get; }

    /// <summary>Per vertex [1, V, 1]: how much of the map's value the vertex takes (0 off the front face).</summary>
    public Tensor VertexWeights => _weight;

    /// <summary>The displacement of every vertex, [B, V, 3]: the map sampled at the vertex's UV, times its weight,
    /// along <paramref name="normals"/> [B, V, 3] (unit normals of the base surface).</summary>
    public Tensor Offsets(Tensor normals)
    {
        var batch = normals.shape[0];
        var sampled = nn.functional.grid_sample(Map, _grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border, align_corners: false);
        var perVertex = sampled.view(1, -1, 1) * _weight;
        return normals * perVertex.expand(batch, -1, 1);
    }

    /// <summary>Unit normals of <paramref name="vertices"/> [B, V, 3] over <paramref name="topology"/>, without gradient:
    /// the directions the displacement moves along.</summary>
    public static Tensor BaseNormals(Tensor vertices, MeshTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        using var noGrad = no_grad();
        return MeshNormals.VertexNormals(vertices.detach(), topology.TriangleTensor);
    }

    /// <summary>Mean squared 5-point Laplacian of the map (cm² per texel²): keeps the details smooth.</summary>
    public Tensor Smoothness()
    {
        var padded = nn.functional.pad(Map, new long[] { 1, 1, 1, 1 }, TorchSharp.PaddingModes.Replicate);
        var centre = padded.narrow(2, 1, Resolution).narrow(3, 1, Resolution);
        var laplacian = padded.narrow(2, 0, Resolution).narrow(3, 1, Resolution) + padded.narrow(2, 2, Resolution).narrow(3, 1, Resolution)
            + padded.narrow(2, 1, Resolution).narrow(3, 0, Resolution) + padded.narrow(2, 1, Resolution).narrow(3, 2, Resolution) - (4 * centre);
        return laplacian.square().mean();
    }

    /// <summary>Mean squared displacement (cm²) over the moving vertices: keeps the details small.</summary>
    public Tensor Magnitude(Tensor offsets) => offsets.square().sum(-1).sum() / (_weight.sum() * offsets.shape[0]).clamp_min(1);

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
        _grid.Dispose();
        _weight.Dispose();
        Map.Dispose();
    }
}
