using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>Differentiable vertex normals: the area-weighted sum of the normals of the triangles around each vertex.</summary>
public static class MeshNormals
{
    /// <summary>Unit vertex normals [B, V, 3] from vertices [B, V, 3] and int64 triangles [T, 3] (counter-clockwise =
    /// front). Vertices no triangle uses get a zero normal.</summary>
    public static Tensor VertexNormals(Tensor vertices, Tensor triangles)
    {
        var (corners, v0, v1, v2) = TriangleCorners(vertices, triangles);
        var faceNormals = linalg.cross(v1 - v0, v2 - v0);
        var sum = BarycentricInterpolation.ScatterAddRows(faceNormals.repeat(3, 1), corners.T.reshape(-1), vertices.shape[0] * vertices.shape[1]);
        return nn.functional.normalize(sum, dim: -1, eps: 1e-12).view(vertices.shape[0], vertices.shape[1], 3);
    }

    /// <summary>The triangles' corner rows in the flattened [B·V, 3] vertices (batch-offset ids [B·T, 3]) and the
    /// corners' positions [B·T, 3] each: gathers and scatter-adds along dim 0 are the fast paths.</summary>
    internal static (Tensor Corners, Tensor V0, Tensor V1, Tensor V2) TriangleCorners(Tensor vertices, Tensor triangles)
    {
        var batch = vertices.shape[0];
        var offsets = arange(batch, dtype: ScalarType.Int64, device: vertices.device).mul_(vertices.shape[1]).view(batch, 1, 1);
        var corners = (triangles.unsqueeze(0) + offsets).view(-1, 3);
        var flat = vertices.reshape(-1, 3);
        return (corners, BarycentricInterpolation.GatherRows(flat, corners.select(1, 0)), BarycentricInterpolation.GatherRows(flat, corners.select(1, 1)),
            BarycentricInterpolation.GatherRows(flat, corners.select(1, 2)));
    }
}
