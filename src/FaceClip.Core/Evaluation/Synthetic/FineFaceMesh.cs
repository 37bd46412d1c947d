using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>
/// The reference renderer's fine front face: every drawn skin triangle the detail can reach is split
/// <see cref="DefaultLevels"/> times (<see cref="FaceSubdivision"/>), so a face's fine mesh is its coarse mesh
/// interpolated, then moved along the interpolated normal by a displacement map sampled at the vertex's UV.
/// </summary>
internal sealed class FineFaceMesh
{
    /// <summary>Three halvings: a 64th of a model triangle, about half a millimetre on the face.</summary>
    public const int DefaultLevels = 3;

    private readonly FaceSubdivision _subdivision;
    private readonly double[] _uvs;

    public FineFaceMesh(FaceModelData data, ReferenceRendererGeometry coarse, int levels)
    {
        var reach = DisplacementMap.BorderWeights(data);
        var t = coarse.Triangles;
        var split = Enumerable.Range(0, t.Length / 3)
            .Where(i => coarse.Regions[i] == FaceRegion.Face && (reach[t[3 * i]] > 0 || reach[t[(3 * i) + 1]] > 0 || reach[t[(3 * i) + 2]] > 0)).ToArray();
        var chosen = split.ToHashSet();
        var keep = Enumerable.Range(0, t.Length / 3).Where(i => !chosen.Contains(i)).ToArray();
        _subdivision = new FaceSubdivision(t, data.VertexCount, split, levels);
        _uvs = Array.ConvertAll(coarse.Uvs, v => (double)v);
        var all = keep.Concat(_subdivision.Parents).ToArray();
        var triangles = keep.SelectMany(i => new[] { t[3 * i], t[(3 * i) + 1], t[(3 * i) + 2] }).Concat(_subdivision.Triangles).ToArray();
        Geometry = new ReferenceRendererGeometry(triangles, all.Select(i => coarse.Regions[i]).ToArray(), all.Select(i => coarse.MouthSocket[i]).ToArray(),
            all.Select(i => coarse.Outward[i]).ToArray(), Array.ConvertAll(_subdivision.Mix(_uvs, 2), v => (float)v));
    }

    public ReferenceRendererGeometry Geometry { get; }

    /// <summary>The fine mesh's vertices, displaced by <paramref name="displacement"/> (R × R, cm) along the mixed
    /// <paramref name="normals"/> of the coarse <paramref name="vertices"/>.</summary>
    public float[] Displaced(float[] vertices, double[] normals, float[] displacement) =>
        _subdivision.Displace(Array.ConvertAll(vertices, v => (double)v), normals, _uvs, displacement);

    /// <summary>Per-vertex triples of the coarse mesh mixed onto the fine mesh.</summary>
    public double[] Mix(IReadOnlyList<double> values) => _subdivision.Mix(values);
}
