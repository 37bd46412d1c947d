using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// Geometric detail finer than the mesh, shown per pixel by normal mapping: a displacement map D(u, v) over a UV layout
/// (centimetres along the surface normal, positive outwards). The displaced surface P' = P + D·n has the tangents
/// T + D_u·n and B + D_v·n (T = ∂P/∂u, B = ∂P/∂v of the mesh), so its normal is, to first order in D,
/// n' ∝ n + s·(D_u·(n × B) + D_v·(T × n)) / |T × B|, with s the sign of (T × B)·n (a mirrored UV layout). The
/// tangent frames come from the mesh and its UVs (<see cref="TangentGradients"/>), the map's slopes from central
/// differences (<see cref="Slopes"/>); every step is a tensor op, so gradients reach the map, the mesh and the UVs.
/// </summary>
/// <param name="Map">The displacement map [1 or B, 1, R, R] in centimetres; row 0 is v = 1 (the top of the tile).</param>
/// <param name="VertexUvs">Each vertex's place on the map [V, 2], u right and v up, both 0..1 over the map.</param>
/// <param name="VertexWeights">How much of the map each vertex takes [V] (0 where the detail does not reach, ramping
/// to 1 inside the region it covers).</param>
public sealed record SurfaceDetail(Tensor Map, Tensor VertexUvs, Tensor VertexWeights)
{
    /// <summary>The map's slopes [B, 2, R, R]: ∂D/∂u and ∂D/∂v in centimetres per unit of UV (central differences,
    /// one-sided at the map's border).</summary>
    public static Tensor Slopes(Tensor map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var rows = map.shape[2];
        var columns = map.shape[3];
        var padded = nn.functional.pad(map, new long[] { 1, 1, 1, 1 }, TorchSharp.PaddingModes.Replicate);
        var right = padded.narrow(2, 1, rows).narrow(3, 2, columns);
        var left = padded.narrow(2, 1, rows).narrow(3, 0, columns);
        var up = padded.narrow(2, 0, rows).narrow(3, 1, columns); // row y − 1 is higher v
        var down = padded.narrow(2, 2, rows).narrow(3, 1, columns);
        return cat([(right - left) * (columns / 2.0), (up - down) * (rows / 2.0)], 1);
    }

    /// <summary>Per vertex [B, V, 6]: the surface's tangents T = ∂P/∂u and B = ∂P/∂v (centimetres per unit of UV), the
    /// area-weighted means of the triangles' tangents (Lengyel's construction from the UV deltas) around each vertex;
    /// triangles whose UVs are degenerate are left out.</summary>
    public static Tensor Tangents(Tensor vertices, Tensor triangles, Tensor uvs)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        var batch = vertices.shape[0];
        var vertexCount = vertices.shape[1];
        var (corners, p0, p1, p2) = MeshNormals.TriangleCorners(vertices, triangles);
        var e1 = p1 - p0;
        var e2 = p2 - p0;
        var uv = uvs.to(vertices.dtype);
        var uv0 = uv.index_select(0, triangles.select(1, 0));
        var d1 = (uv.index_select(0, triangles.select(1, 1)) - uv0).repeat(batch, 1);
        var d2 = (uv.index_select(0, triangles.select(1, 2)) - uv0).repeat(batch, 1);
        var (du1, dv1, du2, dv2) = (d1.narrow(1, 0, 1), d1.narrow(1, 1, 1), d2.narrow(1, 0, 1), d2.narrow(1, 1, 1));
        var determinant = (du1 * dv2) - (du2 * dv1);
        var usable = determinant.abs() > 1e-12;
        var inverse = where(usable, 1 / where(usable, determinant, ones_like(determinant)), zeros_like(determinant));
        // Each triangle's tangents, weighted by its area.
        var weight = linalg.cross(e1, e2).norm(dim: 1, keepdim: true) * usable.to(vertices.dtype);
        var tangent = ((e1 * dv2) - (e2 * dv1)) * inverse * weight;
        var bitangent = ((e2 * du1) - (e1 * du2)) * inverse * weight;
        var frames = BarycentricInterpolation.ScatterAddRows(cat([tangent, bitangent, weight], 1).repeat(3, 1), corners.T.reshape(-1), batch * vertexCount);
        return (frames.narrow(1, 0, 6) / frames.narrow(1, 6, 1).clamp_min(1e-20)).view(batch, vertexCount, 6);
    }

    /// <summary>
    /// Per vertex [B, V, 6]: the two vectors g_u = s·(n × B)/|T × B| and g_v = s·(T × n)/|T × B| that turn the map's
    /// slopes into a change of the unit normal <paramref name="normals"/> [B, V, 3] (T and B: <see cref="Tangents"/>).
    /// </summary>
    public static Tensor TangentGradients(Tensor vertices, Tensor normals, Tensor triangles, Tensor uvs)
    {
        var frames = Tangents(vertices, triangles, uvs);
        var t = frames.narrow(2, 0, 3);
        var b = frames.narrow(2, 3, 3);
        var signedArea = (linalg.cross(t, b) * normals).sum(-1, keepdim: true);
        var usable = signedArea.abs() > 1e-20;
        // s / |T × B| with s = sign((T × B)·n) is 1 / ((T × B)·n) when n is the unit normal along T × B.
        var scale = where(usable, 1 / where(usable, signedArea, ones_like(signedArea)), zeros_like(signedArea));
        return cat([linalg.cross(normals, b) * scale, linalg.cross(t, normals) * scale], 2);
    }

    /// <summary>Sampled slopes [P, 2] of <paramref name="slopes"/> [1 or B, 2, R, R] at UVs [P, 2] (u right, v up),
    /// fragments ordered by batch item with <paramref name="counts"/> per item.</summary>
    public static Tensor SampleSlopes(Tensor slopes, Tensor uv, long[] counts)
    {
        ArgumentNullException.ThrowIfNull(slopes);
        ArgumentNullException.ThrowIfNull(counts);
        var grid = stack([(uv.select(1, 0) * 2) - 1, 1 - (uv.select(1, 1) * 2)], 1).to(slopes.dtype);
        if (slopes.shape[0] == 1 || counts.Length == 1)
        {
            return Sample(slopes.narrow(0, 0, 1), grid);
        }

        var parts = new List<Tensor>();
        long start = 0;
        for (var b = 0; b < counts.Length; b++)
        {
            if (counts[b] > 0)
            {
                parts.Add(Sample(slopes.narrow(0, b, 1), grid.narrow(0, start, counts[b])));
            }

            start += counts[b];
        }

        return parts.Count == 0 ? zeros(0, 2, dtype: slopes.dtype, device: slopes.device) : cat(parts.ToArray(), 0);

        static Tensor Sample(Tensor map, Tensor points) =>
            nn.functional.grid_sample(map, points.view(1, 1, -1, 2), mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border, align_corners: false)
                .view(2, -1).T;
    }

    /// <summary>The perturbed unit normals [P, 3]: n + w·(D_u·g_u + D_v·g_v), normalised, from interpolated normals
    /// [P, 3], gradient vectors [P, 6] (<see cref="TangentGradients"/>), weights [P, 1] and sampled slopes [P, 2].</summary>
    public static Tensor Perturb(Tensor normals, Tensor gradients, Tensor weights, Tensor slopes)
    {
        ArgumentNullException.ThrowIfNull(normals);
        var change = (gradients.narrow(1, 0, 3) * slopes.narrow(1, 0, 1)) + (gradients.narrow(1, 3, 3) * slopes.narrow(1, 1, 1));
        return nn.functional.normalize(normals + (change * weights), dim: 1, eps: 1e-12);
    }
}
