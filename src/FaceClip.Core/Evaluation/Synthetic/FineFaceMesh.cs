using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>
/// The reference renderer's fine front face: every drawn skin triangle the detail can reach is split
/// <see cref="DefaultLevels"/> times into four at its edge midpoints (shared between neighbours, so the surface stays
/// closed); each new vertex is a fixed mix of the model's vertices, so a face's fine mesh is its coarse mesh
/// interpolated, then moved along the interpolated normal by a displacement map sampled at the vertex's UV.
/// </summary>
internal sealed class FineFaceMesh
{
    /// <summary>Three halvings: a 64th of a model triangle, about half a millimetre on the face.</summary>
    public const int DefaultLevels = 3;

    private readonly int _baseCount;
    private readonly int[][] _sources;
    private readonly float[][] _weights;
    private readonly bool[] _displaced;

    public FineFaceMesh(FaceModelData data, int[] triangles, FaceRegion[] regions, bool[] mouthSocket, double[] outward, float[] uvs, int levels)
    {
        _baseCount = data.VertexCount;
        var reach = DisplacementMap.BorderWeights(data);
        var sources = Enumerable.Range(0, _baseCount).Select(v => new[] { v }).ToList();
        var weights = Enumerable.Range(0, _baseCount).Select(_ => new[] { 1f }).ToList();
        var fine = new List<int>();
        var keep = new List<int>();
        for (var t = 0; t < triangles.Length / 3; t++)
        {
            var (a, b, c) = (triangles[3 * t], triangles[(3 * t) + 1], triangles[(3 * t) + 2]);
            if (regions[t] == FaceRegion.Face && (reach[a] > 0 || reach[b] > 0 || reach[c] > 0))
            {
                fine.Add(t);
            }
            else
            {
                keep.Add(t);
            }
        }

        // Split the detail triangles level by level; each child keeps its parent's region and winding.
        var current = fine.SelectMany(t => new[] { triangles[3 * t], triangles[(3 * t) + 1], triangles[(3 * t) + 2] }).ToList();
        var parents = fine.ToList();
        for (var level = 0; level < levels; level++)
        {
            var midpoints = new Dictionary<(int, int), int>();
            int Midpoint(int p, int q)
            {
                var key = p < q ? (p, q) : (q, p);
                if (midpoints.TryGetValue(key, out var id))
                {
                    return id;
                }

                var mix = new Dictionary<int, float>();
                foreach (var (vertex, share) in new[] { (p, 0.5f), (q, 0.5f) })
                {
                    for (var k = 0; k < sources[vertex].Length; k++)
                    {
                        mix[sources[vertex][k]] = mix.GetValueOrDefault(sources[vertex][k]) + (share * weights[vertex][k]);
                    }
                }

                id = sources.Count;
                sources.Add(mix.Keys.ToArray());
                weights.Add(mix.Values.ToArray());
                midpoints[key] = id;
                return id;
            }

            var next = new List<int>(current.Count * 4);
            var nextParents = new List<int>(parents.Count * 4);
            for (var t = 0; t < current.Count / 3; t++)
            {
                var (a, b, c) = (current[3 * t], current[(3 * t) + 1], current[(3 * t) + 2]);
                var (ab, bc, ca) = (Midpoint(a, b), Midpoint(b, c), Midpoint(c, a));
                next.AddRange([a, ab, ca, ab, b, bc, ca, bc, c, ab, bc, ca]);
                nextParents.AddRange([parents[t], parents[t], parents[t], parents[t]]);
            }

            (current, parents) = (next, nextParents);
        }

        _sources = sources.ToArray();
        _weights = weights.ToArray();
        _displaced = new bool[_sources.Length];
        foreach (var v in current)
        {
            _displaced[v] = true;
        }

        var all = keep.Concat(parents).ToArray();
        var denseTriangles = keep.SelectMany(t => new[] { triangles[3 * t], triangles[(3 * t) + 1], triangles[(3 * t) + 2] }).Concat(current).ToArray();
        var denseUvs = new float[_sources.Length * 2];
        for (var v = 0; v < _sources.Length; v++)
        {
            for (var k = 0; k < _sources[v].Length; k++)
            {
                denseUvs[2 * v] += _weights[v][k] * uvs[2 * _sources[v][k]];
                denseUvs[(2 * v) + 1] += _weights[v][k] * uvs[(2 * _sources[v][k]) + 1];
            }
        }

        Geometry = new ReferenceRendererGeometry(denseTriangles, all.Select(t => regions[t]).ToArray(), all.Select(t => mouthSocket[t]).ToArray(),
            all.Select(t => outward[t]).ToArray(), denseUvs);
        VertexCount = _sources.Length;
    }

    public ReferenceRendererGeometry Geometry { get; }

    public int VertexCount { get; }

    /// <summary>The fine mesh's vertices (VertexCount·3): the coarse <paramref name="vertices"/> mixed, the front face moved along the
    /// mixed <paramref name="normals"/> by <paramref name="displacement"/> (R × R, cm) sampled bilinearly at each vertex's UV.</summary>
    public float[] Displaced(float[] vertices, double[] normals, float[] displacement)
    {
        var resolution = (int)Math.Round(Math.Sqrt(displacement.Length));
        var result = new float[_sources.Length * 3];
        for (var v = 0; v < _sources.Length; v++)
        {
            double px = 0, py = 0, pz = 0, nx = 0, ny = 0, nz = 0;
            for (var k = 0; k < _sources[v].Length; k++)
            {
                var (s, w) = (_sources[v][k], _weights[v][k]);
                px += w * vertices[3 * s];
                py += w * vertices[(3 * s) + 1];
                pz += w * vertices[(3 * s) + 2];
                nx += w * normals[3 * s];
                ny += w * normals[(3 * s) + 1];
                nz += w * normals[(3 * s) + 2];
            }

            var d = _displaced[v] ? Sample(displacement, resolution, Geometry.Uvs[2 * v], Geometry.Uvs[(2 * v) + 1]) : 0;
            var length = Math.Sqrt((nx * nx) + (ny * ny) + (nz * nz));
            if (length > 0 && d != 0)
            {
                (px, py, pz) = (px + (d * nx / length), py + (d * ny / length), pz + (d * nz / length));
            }

            (result[3 * v], result[(3 * v) + 1], result[(3 * v) + 2]) = ((float)px, (float)py, (float)pz);
        }

        return result;
    }

    /// <summary>Per-vertex triples of the model's vertices (V·3) mixed onto the fine mesh's vertices.</summary>
    public double[] Mix(IReadOnlyList<double> values)
    {
        var result = new double[_sources.Length * 3];
        for (var v = 0; v < _sources.Length; v++)
        {
            for (var k = 0; k < _sources[v].Length; k++)
            {
                var (s, w) = (_sources[v][k], _weights[v][k]);
                result[3 * v] += w * values[3 * s];
                result[(3 * v) + 1] += w * values[(3 * s) + 1];
                result[(3 * v) + 2] += w * values[(3 * s) + 2];
            }
        }

        return result;
    }

    /// <summary>Bilinear sample of a map (row 0 is v = 1) at (u, v), texel centres at (i + 0.5) / R, clamped at the border.</summary>
    public static double Sample(float[] map, int resolution, double u, double v)
    {
        var x = Math.Clamp((u * resolution) - 0.5, 0, resolution - 1);
        var y = Math.Clamp(((1 - v) * resolution) - 0.5, 0, resolution - 1);
        var (x0, y0) = ((int)x, (int)y);
        var (x1, y1) = (Math.Min(x0 + 1, resolution - 1), Math.Min(y0 + 1, resolution - 1));
        var (fx, fy) = (x - x0, y - y0);
        return ((1 - fy) * (((1 - fx) * map[(y0 * resolution) + x0]) + (fx * map[(y0 * resolution) + x1])))
            + (fy * (((1 - fx) * map[(y1 * resolution) + x0]) + (fx * map[(y1 * resolution) + x1])));
    }
}
