using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>Differentiable vertex normals: the area-weighted sum of the normals of the triangles around each vertex.</summary>
public static class MeshNormals
{
    /// <summary>Unit vertex normals [B, V, 3] from vertices [B, V, 3] and int64 triangles [T, 3] (counter-clockwise =
    /// front). Vertices no triangle uses get a zero normal.</summary>
    public static Tensor VertexNormals(Tensor vertices, Tensor triangles)
    {
        var batch = vertices.shape[0];
        var vertexCount = vertices.shape[1];
        // Work on [B·V, 3] rows with batch-offset indices: gathers and scatter-adds along dim 0 are the fast paths.
        var offsets = arange(batch, dtype: ScalarType.Int64, device: vertices.device).mul_(vertexCount).view(batch, 1, 1);
        var corners = (triangles.unsqueeze(0) + offsets).view(-1, 3);
        var flat = vertices.reshape(-1, 3);
        var v0 = BarycentricInterpolation.GatherRows(flat, corners.select(1, 0));
        var v1 = BarycentricInterpolation.GatherRows(flat, corners.select(1, 1));
        var v2 = BarycentricInterpolation.GatherRows(flat, corners.select(1, 2));
        var faceNormals = linalg.cross(v1 - v0, v2 - v0);
        var sum = BarycentricInterpolation.ScatterAddRows(faceNormals.repeat(3, 1), corners.T.reshape(-1), flat.shape[0]);
        return nn.functional.normalize(sum, dim: -1, eps: 1e-12).view(batch, vertexCount, 3);
    }
}
