using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// The triangles a renderer draws: kept both as a CPU array (for the visibility pass) and as an int64 [T, 3] tensor on
/// the compute device (for gathers), with optional per-corner UVs [T, 3, 2] for textured rendering.
/// </summary>
public sealed class MeshTopology : IDisposable
{
    public MeshTopology(int[] triangles, int vertexCount, Device? device = null, float[]? cornerUvs = null)
    {
        ArgumentNullException.ThrowIfNull(triangles);
        if (triangles.Length % 3 != 0)
        {
            throw new ArgumentException("Triangles must hold three indices per triangle.", nameof(triangles));
        }

        foreach (var v in triangles)
        {
            if ((uint)v >= (uint)vertexCount)
            {
                throw new ArgumentOutOfRangeException(nameof(triangles), $"Vertex index {v} is outside 0..{vertexCount - 1}.");
            }
        }

        if (cornerUvs is not null && cornerUvs.Length != triangles.Length * 2)
        {
            throw new ArgumentException("Corner UVs must hold (u, v) for each triangle corner.", nameof(cornerUvs));
        }

        Triangles = triangles;
        VertexCount = vertexCount;
        Device = device ?? CPU;
        using var scope = NewDisposeScope();
        TriangleTensor = tensor(triangles.Select(i => (long)i).ToArray(), device: Device).view(-1, 3).DetachFromDisposeScope();
        CornerUvs = cornerUvs is null ? null : tensor(cornerUvs, device: Device).view(-1, 3, 2).DetachFromDisposeScope();
    }

    public int[] Triangles { get; }

    public int TriangleCount => Triangles.Length / 3;

    public int VertexCount { get; }

    public Device Device { get; }

    /// <summary>[T, 3] int64 vertex indices on <see cref="Device"/>.</summary>
    public Tensor TriangleTensor { get; }

    /// <summary>[T, 3, 2] float32 UVs per corner (v upwards), or null.</summary>
    public Tensor? CornerUvs { get; }

    public void Dispose()
    {
        TriangleTensor.Dispose();
        CornerUvs?.Dispose();
    }
}
