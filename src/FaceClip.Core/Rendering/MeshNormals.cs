using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>Differentiable vertex normals: the area-weighted sum of the normals of the triangles around each vertex.</summary>
public static class MeshNormals
{
    /// <summary>Unit vertex normals [B, V, 3] from vertices [B, V, 3] and int64 triangles [T, 3] (counter-clockwise =
    /// front). Vertices no triangle uses get a zero normal.</summary>
    public static Tensor VertexNormals(Tensor vertices, Tensor triangles)
    {
        var v0 = vertices.index_select(1, triangles.select(1, 0));
        var v1 = vertices.index_select(1, triangles.select(1, 1));
        var v2 = vertices.index_select(1, triangles.select(1, 2));
        var faceNormals = linalg.cross(v1 - v0, v2 - v0);
        var sum = zeros_like(vertices)
            .index_add(1, triangles.select(1, 0), faceNormals, 1)
            .index_add(1, triangles.select(1, 1), faceNormals, 1)
            .index_add(1, triangles.select(1, 2), faceNormals, 1);
        return nn.functional.normalize(sum, dim: -1, eps: 1e-12);
    }
}
