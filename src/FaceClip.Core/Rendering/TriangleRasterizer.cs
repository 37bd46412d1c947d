using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// The visibility pass (not differentiable): finds the nearest triangle at every pixel centre. Triangles are processed
/// in parallel chunks; each scans its pixel bounding box with edge functions and writes a 64-bit key
/// (depth bits &lt;&lt; 32 | triangle id) into the z-buffer with an atomic minimum, so the result does not depend on the
/// order in which threads run (ties go to the lower triangle id). Depth is interpolated perspective-correctly.
/// </summary>
public static class TriangleRasterizer
{
    private const int ChunkSize = 512;

    /// <summary>Rasterizes (u, v, depth) vertices [B, V, 3] (any device; copied to the CPU) with the topology's triangles.</summary>
    public static RasterFragments Rasterize(Tensor screenVertices, MeshTopology topology, int width, int height, bool cullBackFaces = false, double near = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(screenVertices);
        ArgumentNullException.ThrowIfNull(topology);
        var batch = (int)screenVertices.shape[0];
        var vertexCount = (int)screenVertices.shape[1];
        float[] screen;
        using (no_grad())
        {
            using var cpu = screenVertices.detach().to(ScalarType.Float32, CPU).contiguous();
            screen = cpu.data<float>().ToArray();
        }

        return Rasterize(screen, batch, vertexCount, topology.Triangles, width, height, cullBackFaces, near);
    }

    /// <summary>Rasterizes flat (u, v, depth) vertices, B·V·3 floats.</summary>
    public static RasterFragments Rasterize(float[] screen, int batch, int vertexCount, int[] triangles, int width, int height, bool cullBackFaces = false, double near = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(screen);
        ArgumentNullException.ThrowIfNull(triangles);
        if (screen.Length != batch * vertexCount * 3)
        {
            throw new ArgumentException($"Expected {batch}x{vertexCount}x3 screen values, got {screen.Length}.", nameof(screen));
        }

        var pixelsPerImage = width * height;
        var zbuffer = new ulong[batch * pixelsPerImage];
        Array.Fill(zbuffer, ulong.MaxValue);
        var triangleCount = triangles.Length / 3;
        var chunks = (triangleCount + ChunkSize - 1) / ChunkSize;
        Parallel.For(0, batch * chunks, work =>
        {
            var b = work / chunks;
            var first = work % chunks * ChunkSize;
            var last = Math.Min(triangleCount, first + ChunkSize);
            var vertexBase = b * vertexCount * 3;
            var imageBase = b * pixelsPerImage;
            for (var t = first; t < last; t++)
            {
                DrawTriangle(screen, vertexBase, triangles, t, zbuffer, imageBase, width, height, cullBackFaces, near);
            }
        });

        return Collect(zbuffer, batch, width, height);
    }

    private static void DrawTriangle(float[] s, int vertexBase, int[] triangles, int t, ulong[] zbuffer, int imageBase,
        int width, int height, bool cullBackFaces, double near)
    {
        var i0 = vertexBase + triangles[t * 3] * 3;
        var i1 = vertexBase + triangles[t * 3 + 1] * 3;
        var i2 = vertexBase + triangles[t * 3 + 2] * 3;
        double x0 = s[i0], y0 = s[i0 + 1], z0 = s[i0 + 2];
        double x1 = s[i1], y1 = s[i1 + 1], z1 = s[i1 + 2];
        double x2 = s[i2], y2 = s[i2 + 1], z2 = s[i2 + 2];
        if (z0 <= near || z1 <= near || z2 <= near || !double.IsFinite(x0 + y0 + x1 + y1 + x2 + y2))
        {
            return;
        }

        var area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
        if (Math.Abs(area) < 1e-12 || (cullBackFaces && area > 0))
        {
            // With v pointing down, a counter-clockwise (front-facing) triangle has negative signed area.
            return;
        }

        var minX = Math.Max(0, (int)Math.Ceiling(Math.Min(x0, Math.Min(x1, x2)) - 0.5));
        var maxX = Math.Min(width - 1, (int)Math.Floor(Math.Max(x0, Math.Max(x1, x2)) - 0.5));
        var minY = Math.Max(0, (int)Math.Ceiling(Math.Min(y0, Math.Min(y1, y2)) - 0.5));
        var maxY = Math.Min(height - 1, (int)Math.Floor(Math.Max(y0, Math.Max(y1, y2)) - 0.5));
        if (minX > maxX || minY > maxY)
        {
            return;
        }

        var inverseArea = 1.0 / area;
        double iz0 = 1 / z0, iz1 = 1 / z1, iz2 = 1 / z2;
        for (var py = minY; py <= maxY; py++)
        {
            var cy = py + 0.5;
            for (var px = minX; px <= maxX; px++)
            {
                var cx = px + 0.5;
                var w0 = ((x1 - cx) * (y2 - cy) - (y1 - cy) * (x2 - cx)) * inverseArea;
                var w1 = ((x2 - cx) * (y0 - cy) - (y2 - cy) * (x0 - cx)) * inverseArea;
                var w2 = 1 - w0 - w1;
                if (w0 < 0 || w1 < 0 || w2 < 0)
                {
                    continue;
                }

                var depth = (float)(1 / (w0 * iz0 + w1 * iz1 + w2 * iz2));
                var key = ((ulong)BitConverter.SingleToUInt32Bits(depth) << 32) | (uint)t;
                AtomicMin(ref zbuffer[imageBase + py * width + px], key);
            }
        }
    }

    private static void AtomicMin(ref ulong target, ulong value)
    {
        var current = Volatile.Read(ref target);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static RasterFragments Collect(ulong[] zbuffer, int batch, int width, int height)
    {
        var count = 0;
        foreach (var key in zbuffer)
        {
            if (key != ulong.MaxValue)
            {
                count++;
            }
        }

        var pixels = new long[count];
        var triangles = new long[count];
        var n = 0;
        for (var i = 0; i < zbuffer.Length; i++)
        {
            var key = zbuffer[i];
            if (key != ulong.MaxValue)
            {
                pixels[n] = i;
                triangles[n] = (long)(key & 0xFFFF_FFFF);
                n++;
            }
        }

        return new RasterFragments { Batch = batch, Width = width, Height = height, PixelIndices = pixels, TriangleIndices = triangles };
    }
}
