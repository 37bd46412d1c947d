using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Geometry;

/// <summary>
/// A mesh ready to be written as OBJ, PLY or GLB: flat CPU arrays (xyz per vertex, three vertex indices per triangle),
/// optional per-corner UVs with a UV texture, optional vertex colours in [0,1], and optional morph targets (named
/// per-vertex position deltas, e.g. the 53 expression blendshapes).
/// </summary>
public sealed record ExportMesh
{
    public required float[] Positions { get; init; }

    public required int[] Triangles { get; init; }

    /// <summary>(u, v) pairs, v upwards; indexed by <see cref="TriangleUvIndices"/>.</summary>
    public float[]? Uvs { get; init; }

    public int[]? TriangleUvIndices { get; init; }

    /// <summary>RGB in [0,1] per vertex.</summary>
    public float[]? VertexColours { get; init; }

    /// <summary>The albedo texture over the UV layout (row 0 = v 1).</summary>
    public Image<Rgb24>? Texture { get; init; }

    /// <summary>A tangent-space normal map over the same UVs as <see cref="Texture"/> (x along u, y along v, z out;
    /// 0.5 grey is a flat surface), or null.</summary>
    public Image<Rgb48>? NormalTexture { get; init; }

    /// <summary>A bump (height) map over the same UVs, mid-grey 32768 at the surface, or null.</summary>
    public Image<L16>? BumpTexture { get; init; }

    /// <summary>The height in model units (cm) from grey 0 to grey 65535 of <see cref="BumpTexture"/>.</summary>
    public float BumpScale { get; init; }

    public IReadOnlyList<MorphTarget> MorphTargets { get; init; } = [];

    /// <summary>For meshes cut from a face model: the model vertex each exported vertex came from.</summary>
    public int[]? SourceVertices { get; init; }

    public int VertexCount => Positions.Length / 3;

    public int TriangleCount => Triangles.Length / 3;

    public bool HasUvs => Uvs is not null && TriangleUvIndices is not null;

    /// <summary>A copy whose positions have the morph targets applied with <paramref name="weights"/> (one per target)
    /// and no morph targets left: what a format without morph targets (OBJ, PLY) should store.</summary>
    public ExportMesh ApplyMorphs(IReadOnlyList<float> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count != MorphTargets.Count)
        {
            throw new ArgumentException($"Expected {MorphTargets.Count} weights, got {weights.Count}.", nameof(weights));
        }

        var positions = (float[])Positions.Clone();
        for (var t = 0; t < MorphTargets.Count; t++)
        {
            var w = weights[t];
            if (w == 0)
            {
                continue;
            }

            var deltas = MorphTargets[t].Deltas;
            for (var i = 0; i < positions.Length; i++)
            {
                positions[i] += w * deltas[i];
            }
        }

        return this with { Positions = positions, MorphTargets = [] };
    }
}
