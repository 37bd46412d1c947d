namespace FaceClip.Core.Geometry;

/// <summary>
/// A mesh's chosen triangles split <c>levels</c> times into four at their edge midpoints (shared between neighbours,
/// so the surface stays closed). Each new vertex is a fixed mix of the mesh's vertices, so any per-vertex quantity of
/// the coarse mesh (positions, normals, UVs) carries over (<see cref="Mix"/>), and a displacement map moves the fine
/// vertices along the mixed normals (<see cref="Displace"/>). The coarse vertices keep their ids; new ones follow.
/// </summary>
public sealed class FaceSubdivision
{
    private readonly int[][] _sources;
    private readonly float[][] _weights;

    /// <param name="triangles">The coarse triangles (3 vertex ids each).</param>
    /// <param name="vertexCount">The coarse mesh's vertex count.</param>
    /// <param name="split">Which triangles to split.</param>
    /// <param name="levels">How many halvings.</param>
    public FaceSubdivision(int[] triangles, int vertexCount, IReadOnlyList<int> split, int levels)
    {
        ArgumentNullException.ThrowIfNull(triangles);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentOutOfRangeException.ThrowIfNegative(levels);
        var sources = Enumerable.Range(0, vertexCount).Select(v => new[] { v }).ToList();
        var weights = Enumerable.Range(0, vertexCount).Select(_ => new[] { 1f }).ToList();
        var current = split.SelectMany(t => new[] { triangles[3 * t], triangles[(3 * t) + 1], triangles[(3 * t) + 2] }).ToList();
        var parents = split.ToList();
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
                foreach (var vertex in new[] { p, q })
                {
                    for (var k = 0; k < sources[vertex].Length; k++)
                    {
                        mix[sources[vertex][k]] = mix.GetValueOrDefault(sources[vertex][k]) + (0.5f * weights[vertex][k]);
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
        Triangles = current.ToArray();
        Parents = parents.ToArray();
        Fine = new bool[_sources.Length];
        foreach (var v in current)
        {
            Fine[v] = true;
        }
    }

    /// <summary>The fine triangles (3 ids each, into the fine vertices).</summary>
    public int[] Triangles { get; }

    /// <summary>The coarse triangle each fine triangle came from.</summary>
    public int[] Parents { get; }

    /// <summary>Per fine vertex: it belongs to a fine triangle.</summary>
    public bool[] Fine { get; }

    public int VertexCount => _sources.Length;

    /// <summary>Per-vertex tuples of <paramref name="width"/> values of the coarse mesh mixed onto every fine vertex.</summary>
    public double[] Mix(IReadOnlyList<double> values, int width = 3)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new double[_sources.Length * width];
        for (var v = 0; v < _sources.Length; v++)
        {
            for (var k = 0; k < _sources[v].Length; k++)
            {
                var (s, w) = (_sources[v][k], _weights[v][k]);
                for (var c = 0; c < width; c++)
                {
                    result[(width * v) + c] += w * values[(width * s) + c];
                }
            }
        }

        return result;
    }

    /// <summary>The fine vertices (VertexCount·3): the coarse <paramref name="vertices"/> mixed, those of fine triangles
    /// moved along the mixed <paramref name="normals"/> by <paramref name="map"/> (R × R, cm, row 0 is v = 1) sampled
    /// bilinearly at the mixed <paramref name="uvs"/> (V·2, u right and v up over the map).</summary>
    public float[] Displace(IReadOnlyList<double> vertices, IReadOnlyList<double> normals, IReadOnlyList<double> uvs, float[] map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var resolution = (int)Math.Round(Math.Sqrt(map.Length));
        var p = Mix(vertices);
        var n = Mix(normals);
        var uv = Mix(uvs, 2);
        var result = new float[p.Length];
        for (var v = 0; v < _sources.Length; v++)
        {
            var d = Fine[v] ? Sample(map, resolution, uv[2 * v], uv[(2 * v) + 1]) : 0;
            var length = Math.Sqrt((n[3 * v] * n[3 * v]) + (n[(3 * v) + 1] * n[(3 * v) + 1]) + (n[(3 * v) + 2] * n[(3 * v) + 2]));
            var scale = length > 0 ? d / length : 0;
            for (var c = 0; c < 3; c++)
            {
                result[(3 * v) + c] = (float)(p[(3 * v) + c] + (scale * n[(3 * v) + c]));
            }
        }

        return result;
    }

    /// <summary>Bilinear sample of a map (row 0 is v = 1) at (u, v), texel centres at (i + 0.5) / R, clamped at the border.</summary>
    public static double Sample(float[] map, int resolution, double u, double v)
    {
        ArgumentNullException.ThrowIfNull(map);
        var x = Math.Clamp((u * resolution) - 0.5, 0, resolution - 1);
        var y = Math.Clamp(((1 - v) * resolution) - 0.5, 0, resolution - 1);
        var (x0, y0) = ((int)x, (int)y);
        var (x1, y1) = (Math.Min(x0 + 1, resolution - 1), Math.Min(y0 + 1, resolution - 1));
        var (fx, fy) = (x - x0, y - y0);
        return ((1 - fy) * (((1 - fx) * map[(y0 * resolution) + x0]) + (fx * map[(y0 * resolution) + x1])))
            + (fy * (((1 - fx) * map[(y1 * resolution) + x0]) + (fx * map[(y1 * resolution) + x1])));
    }
}
