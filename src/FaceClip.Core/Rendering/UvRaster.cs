using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// A mesh drawn in its own UV layout: which triangle covers each texel centre of an R × R map (row 0 is v = 1) and its
/// barycentric weights there, so per-vertex attributes can be carried into the map (<see cref="Interpolate"/>).
/// </summary>
public sealed class UvRaster : IDisposable
{
    private readonly Tensor _vertexIds; // [P, 3]
    private readonly Tensor _weights;   // [P, 3]
    private readonly Tensor _texels;    // [P]

    /// <param name="uvs">Per-vertex UVs, V·2 floats, u right and v up, 0..1 over the map.</param>
    /// <param name="triangles">Triangles (vertex ids, 3 per triangle) to draw.</param>
    public UvRaster(float[] uvs, int[] triangles, int resolution, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(uvs);
        ArgumentNullException.ThrowIfNull(triangles);
        Resolution = resolution;
        var vertexCount = uvs.Length / 2;
        var screen = new float[vertexCount * 3];
        for (var v = 0; v < vertexCount; v++)
        {
            screen[3 * v] = uvs[2 * v] * resolution;
            screen[(3 * v) + 1] = (1 - uvs[(2 * v) + 1]) * resolution;
            screen[(3 * v) + 2] = 1;
        }

        var fragments = TriangleRasterizer.Rasterize(screen, 1, vertexCount, triangles, resolution, resolution, cullBackFaces: false, near: 1e-6);
        Count = fragments.Count;
        using var scope = NewDisposeScope();
        var screenTensor = tensor(screen, device: device).view(1, vertexCount, 3);
        var triangleTensor = tensor(triangles.Select(t => (long)t).ToArray(), device: device).view(-1, 3);
        var triangleIds = tensor(fragments.TriangleIndices, device: device);
        var ids = triangleTensor.index_select(0, triangleIds);
        var centres = new float[fragments.Count * 2];
        for (var i = 0; i < fragments.Count; i++)
        {
            centres[2 * i] = (fragments.PixelIndices[i] % resolution) + 0.5f;
            centres[(2 * i) + 1] = (fragments.PixelIndices[i] / resolution) + 0.5f;
        }

        var weights = BarycentricInterpolation.Barycentrics(screenTensor, ids, tensor(centres, device: device).view(-1, 2));
        _vertexIds = ids.DetachFromDisposeScope();
        _weights = weights.DetachFromDisposeScope();
        _texels = tensor(fragments.PixelIndices, device: device).DetachFromDisposeScope();
    }

    public int Resolution { get; }

    /// <summary>How many texels a triangle covers.</summary>
    public int Count { get; }

    /// <summary>Per-vertex attributes [V, C] carried into the map: [C, R, R] (0 where no triangle is), and the coverage
    /// [1, R, R].</summary>
    public (Tensor Values, Tensor Coverage) Interpolate(Tensor attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var values = BarycentricInterpolation.Interpolate(attributes.unsqueeze(0), _vertexIds, _weights.to(attributes.dtype));
        var withCoverage = cat([values, ones(values.shape[0], 1, dtype: attributes.dtype, device: attributes.device)], 1);
        var image = BarycentricInterpolation.ToImage(withCoverage, _texels, 1, Resolution, Resolution)[0];
        return (image.narrow(0, 0, attributes.shape[1]), image.narrow(0, attributes.shape[1], 1));
    }

    public void Dispose()
    {
        _vertexIds.Dispose();
        _weights.Dispose();
        _texels.Dispose();
    }
}
