namespace FaceClip.Core.Geometry;

/// <summary>
/// An imported morphable head model in flat CPU arrays: the neutral mesh, identity and expression deltas from the
/// neutral, topology (triangles, per-corner UVs, a region per triangle), landmark vertices and the fitting vertex set.
/// Arrays are row-major: <c>Neutral[v*3+k]</c>, <c>IdentityDeltas[(m*V+v)*3+k]</c>, <c>Triangles[t*3+c]</c>.
/// </summary>
public sealed class FaceModelData
{
    public required int VertexCount { get; init; }

    public required float[] Neutral { get; init; }

    public required int IdentityCount { get; init; }

    /// <summary>Identity mode m at vertex v: <c>identity_m.obj - neutral</c>; weights are ~N(0,1).</summary>
    public required float[] IdentityDeltas { get; init; }

    public required string[] ExpressionNames { get; init; }

    /// <summary>Expression blendshape m at vertex v: <c>expression_m.obj - neutral</c>; weights lie in [0,1].</summary>
    public required float[] ExpressionDeltas { get; init; }

    public int ExpressionCount => ExpressionNames.Length;

    /// <summary>Three vertex indices per triangle (quads split along their first diagonal).</summary>
    public required int[] Triangles { get; init; }

    /// <summary>Three indices into <see cref="Uvs"/> per triangle (UV seams split vertices, so UVs are per corner).</summary>
    public required int[] TriangleUvIndices { get; init; }

    /// <summary>(u, v) pairs, v upwards as in OBJ.</summary>
    public required float[] Uvs { get; init; }

    public required FaceRegion[] TriangleRegions { get; init; }

    public int TriangleCount => TriangleRegions.Length;

    /// <summary>The 68 Multi-PIE landmark vertices (ICT's <c>idx_to_landmark_verts</c>).</summary>
    public required int[] Landmarks { get; init; }

    /// <summary>For each of the 17 jaw-line landmarks, alternative contour vertices on the same horizontal line, from
    /// the landmark outwards (derived; see docs/face-model.md). The landmark itself comes first.</summary>
    public required int[][] ContourCandidates { get; init; }

    /// <summary>ICT's own fitting vertex set (<c>idx_to_fitting_verts</c>, 7,801 face vertices including ears and
    /// neck, without the eyelid rims); kept for reference, not used for the fitting mask.</summary>
    public required int[] FittingVertices { get; init; }

    /// <summary>Identifies the source files this was imported from (cache key).</summary>
    public required string SourceKey { get; init; }

    /// <summary>For a <see cref="Subset"/>: the vertex of the full model each vertex came from; null for a full model.</summary>
    public int[]? SourceVertices { get; init; }

    /// <summary>
    /// A compact model over the vertices the given triangles use (e.g. the fitting region: about a quarter of the
    /// head), so shape, albedo and normals cost a quarter too. Landmarks must all be among those vertices; contour
    /// candidates and fitting vertices outside are dropped. <see cref="SourceVertices"/> maps back to this model.
    /// </summary>
    public FaceModelData Subset(IReadOnlyList<int> triangleIds)
    {
        ArgumentNullException.ThrowIfNull(triangleIds);
        var remap = new int[VertexCount];
        Array.Fill(remap, -1);
        var kept = new List<int>();
        foreach (var v in VerticesOfTriangles(triangleIds))
        {
            if (remap[v] < 0)
            {
                remap[v] = kept.Count;
                kept.Add(v);
            }
        }

        var missing = Landmarks.Where(l => remap[l] < 0).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException($"The subset leaves out landmark vertices {string.Join(", ", missing)}.", nameof(triangleIds));
        }

        float[] Gather(float[] values, int modes)
        {
            var result = new float[modes * kept.Count * 3];
            for (var m = 0; m < modes; m++)
            {
                for (var i = 0; i < kept.Count; i++)
                {
                    Array.Copy(values, (m * VertexCount + kept[i]) * 3, result, (m * kept.Count + i) * 3, 3);
                }
            }

            return result;
        }

        return new FaceModelData
        {
            VertexCount = kept.Count,
            Neutral = Gather(Neutral, 1),
            IdentityCount = IdentityCount,
            IdentityDeltas = Gather(IdentityDeltas, IdentityCount),
            ExpressionNames = ExpressionNames,
            ExpressionDeltas = Gather(ExpressionDeltas, ExpressionCount),
            Triangles = VerticesOfTriangles(triangleIds).Select(v => remap[v]).ToArray(),
            TriangleUvIndices = triangleIds.SelectMany(t => new[] { TriangleUvIndices[t * 3], TriangleUvIndices[t * 3 + 1], TriangleUvIndices[t * 3 + 2] }).ToArray(),
            Uvs = Uvs,
            TriangleRegions = triangleIds.Select(t => TriangleRegions[t]).ToArray(),
            Landmarks = Landmarks.Select(l => remap[l]).ToArray(),
            ContourCandidates = ContourCandidates.Select(c => c.Where(v => remap[v] >= 0).Select(v => remap[v]).ToArray()).ToArray(),
            FittingVertices = FittingVertices.Where(v => remap[v] >= 0).Select(v => remap[v]).ToArray(),
            SourceKey = SourceKey + "/subset",
            SourceVertices = SourceVertices is null ? kept.ToArray() : kept.Select(v => SourceVertices[v]).ToArray(),
        };
    }

    /// <summary>Triangle indices whose region satisfies <paramref name="include"/>.</summary>
    public int[] TriangleIdsWhere(Func<FaceRegion, bool> include) =>
        Enumerable.Range(0, TriangleCount).Where(t => include(TriangleRegions[t])).ToArray();

    /// <summary>
    /// The front face a photometric loss compares with the photo (like Deep3DFaceRecon's skin mask): face-region
    /// triangles whose three vertices lie above the jaw line (landmarks 0-16, linearly interpolated in x, less 0.2 cm),
    /// below the brows plus 3.5 cm (forehead without the hairline), within the jaw's width and in front of the jaw
    /// corners (z ≥ z of landmark 0 - 0.5 cm), which leaves out ears, neck and scalp. Derived from the landmarks; see
    /// docs/face-model.md.
    /// </summary>
    public int[] FittingTriangleIds()
    {
        var inside = FrontFaceVertexMask();
        return Enumerable.Range(0, TriangleCount)
            .Where(t => TriangleRegions[t] == FaceRegion.Face && inside[Triangles[t * 3]] && inside[Triangles[t * 3 + 1]] && inside[Triangles[t * 3 + 2]])
            .ToArray();
    }

    /// <summary>Per vertex: used by a triangle of <paramref name="region"/>.</summary>
    public bool[] RegionVertexMask(FaceRegion region) => RegionVertexMask(VertexCount, Triangles, TriangleRegions, region);

    /// <summary>The same over raw arrays (three vertex indices and a region per triangle).</summary>
    public static bool[] RegionVertexMask(int vertexCount, int[] triangles, FaceRegion[] regions, FaceRegion region)
    {
        ArgumentNullException.ThrowIfNull(triangles);
        ArgumentNullException.ThrowIfNull(regions);
        var mask = new bool[vertexCount];
        for (var t = 0; t < regions.Length; t++)
        {
            if (regions[t] == region)
            {
                mask[triangles[t * 3]] = mask[triangles[(t * 3) + 1]] = mask[triangles[(t * 3) + 2]] = true;
            }
        }

        return mask;
    }

    /// <summary>Per vertex: inside the front-face mask of <see cref="FittingTriangleIds"/>.</summary>
    public bool[] FrontFaceVertexMask()
    {
        float X(int landmark) => Neutral[Landmarks[landmark] * 3];
        float Y(int landmark) => Neutral[Landmarks[landmark] * 3 + 1];
        var top = Math.Max(Y(19), Y(24)) + 3.5f;
        var halfWidth = Math.Max(-X(0), X(16));
        var back = Math.Min(Neutral[Landmarks[0] * 3 + 2], Neutral[Landmarks[16] * 3 + 2]) - 0.5f;
        var mask = new bool[VertexCount];
        for (var v = 0; v < VertexCount; v++)
        {
            float x = Neutral[v * 3], y = Neutral[v * 3 + 1], z = Neutral[v * 3 + 2];
            if (Math.Abs(x) > halfWidth || y > top || z < back)
            {
                continue;
            }

            var jaw = Y(0);
            for (var k = 0; k < 16; k++)
            {
                if (x >= X(k) && x <= X(k + 1))
                {
                    var f = (x - X(k)) / (X(k + 1) - X(k));
                    jaw = Y(k) + f * (Y(k + 1) - Y(k));
                    break;
                }
            }

            mask[v] = y >= jaw - 0.2f;
        }

        return mask;
    }

    /// <summary>Skin: the face and the back of the head (no eyes, teeth or lashes).</summary>
    public int[] SkinTriangleIds() => TriangleIdsWhere(r => r is FaceRegion.Face or FaceRegion.BackHead);

    /// <summary>Everything drawn opaque for display: all regions but the transparent eye overlays, the sclera meshes
    /// (their front is ICT's transparent cornea, which would hide the iris meshes that carry the visible eye) and the
    /// eyelashes (alpha-textured cards in ICT; opaque they read as thick black bands).</summary>
    public int[] DisplayTriangleIds() =>
        TriangleIdsWhere(r => r is not (FaceRegion.LacrimalFluid or FaceRegion.EyeBlend or FaceRegion.EyeOcclusion
            or FaceRegion.ScleraLeft or FaceRegion.ScleraRight or FaceRegion.EyeLashes));

    /// <summary>The vertex triples of the given triangles, flattened.</summary>
    public int[] VerticesOfTriangles(IReadOnlyList<int> triangleIds)
    {
        var result = new int[triangleIds.Count * 3];
        for (var i = 0; i < triangleIds.Count; i++)
        {
            Array.Copy(Triangles, triangleIds[i] * 3, result, i * 3, 3);
        }

        return result;
    }

    /// <summary>One UV per vertex (the first corner that uses the vertex; vertices on a seam get one side's UV).</summary>
    public float[] VertexUvs()
    {
        var result = new float[VertexCount * 2];
        var seen = new bool[VertexCount];
        for (var i = 0; i < Triangles.Length; i++)
        {
            var v = Triangles[i];
            var uv = TriangleUvIndices[i];
            if (!seen[v] && uv >= 0)
            {
                seen[v] = true;
                result[v * 2] = Uvs[uv * 2];
                result[v * 2 + 1] = Uvs[uv * 2 + 1];
            }
        }

        return result;
    }
}
