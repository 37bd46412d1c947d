using FaceClip.Core.Rendering;

namespace FaceClip.Core.Tests.Rendering;

public sealed class TriangleRasterizerTests
{
    [Fact]
    public void ScreenSquareCoversExactlyThePixelCentresInsideIt()
    {
        float[] screen = [40.3f, 30.7f, 5f, 150.2f, 30.7f, 5f, 150.2f, 170.9f, 5f, 40.3f, 170.9f, 5f];
        int[] triangles = [0, 1, 2, 0, 2, 3];
        var fragments = TriangleRasterizer.Rasterize(screen, 1, 4, triangles, 224, 224);
        var columns = (int)Math.Floor(150.2 - 0.5) - (int)Math.Ceiling(40.3 - 0.5) + 1;
        var rows = (int)Math.Floor(170.9 - 0.5) - (int)Math.Ceiling(30.7 - 0.5) + 1;
        Assert.Equal(columns * rows, fragments.Count);
        Assert.Equal(fragments.Count, fragments.PixelIndices.Distinct().Count());
        Assert.All(fragments.PixelIndices, p =>
        {
            var (x, y) = (p % 224 + 0.5, p / 224 + 0.5);
            Assert.InRange(x, 40.3, 150.2);
            Assert.InRange(y, 30.7, 170.9);
        });
    }

    [Fact]
    public void NearerTriangleWinsWhateverTheDrawingOrder()
    {
        // Triangle 0 far (depth 9), triangle 1 near (depth 3), overlapping in the middle.
        float[] screen = [10, 10, 9, 50, 10, 9, 10, 50, 9, 20, 20, 3, 60, 20, 3, 20, 60, 3];
        var forward = TriangleRasterizer.Rasterize(screen, 1, 6, [0, 1, 2, 3, 4, 5], 64, 64);
        var reversed = TriangleRasterizer.Rasterize(screen, 1, 6, [3, 4, 5, 0, 1, 2], 64, 64);
        var a = forward.TriangleIdImage(0);
        var b = reversed.TriangleIdImage(0);
        Assert.Equal(1, a[25 * 64 + 25]);
        Assert.Equal(0, b[25 * 64 + 25]);
        Assert.Equal(0, a[12 * 64 + 12]);
        Assert.Equal(-1, a[5 * 64 + 5]);
        Assert.Equal(a.Select(t => t < 0 ? -1 : 1 - t), b);
    }

    [Fact]
    public void MatchesABruteForceReferenceOnRandomTriangles()
    {
        const int width = 61, height = 47, batch = 2, vertexCount = 90;
        var random = new Random(3);
        var screen = new float[batch * vertexCount * 3];
        for (var i = 0; i < screen.Length; i += 3)
        {
            screen[i] = (float)(random.NextDouble() * 80 - 10);
            screen[i + 1] = (float)(random.NextDouble() * 60 - 6);
            screen[i + 2] = (float)(1 + random.NextDouble() * 10);
        }

        var triangles = Enumerable.Range(0, 30 * 3).Select(_ => random.Next(vertexCount)).ToArray();
        var fragments = TriangleRasterizer.Rasterize(screen, batch, vertexCount, triangles, width, height);
        for (var b = 0; b < batch; b++)
        {
            var expected = Reference(screen, b * vertexCount * 3, triangles, width, height);
            Assert.Equal(expected, fragments.TriangleIdImage(b));
        }
    }

    [Fact]
    public void TrianglesBehindTheCameraAreSkippedAndBackFacesCanBeCulled()
    {
        float[] behind = [10, 10, -1, 50, 10, 2, 10, 50, 2];
        Assert.Equal(0, TriangleRasterizer.Rasterize(behind, 1, 3, [0, 1, 2], 64, 64).Count);
        // In image space (v down) this winding is clockwise on screen = counter-clockwise seen from the camera: front.
        float[] front = [10, 10, 2, 10, 50, 2, 50, 10, 2];
        Assert.True(TriangleRasterizer.Rasterize(front, 1, 3, [0, 1, 2], 64, 64, cullBackFaces: true).Count > 0);
        Assert.Equal(0, TriangleRasterizer.Rasterize(front, 1, 3, [0, 2, 1], 64, 64, cullBackFaces: true).Count);
    }

    private static int[] Reference(float[] s, int offset, int[] triangles, int width, int height)
    {
        var result = new int[width * height];
        for (var py = 0; py < height; py++)
        {
            for (var px = 0; px < width; px++)
            {
                var best = ulong.MaxValue;
                for (var t = 0; t < triangles.Length / 3; t++)
                {
                    int i0 = offset + triangles[t * 3] * 3, i1 = offset + triangles[t * 3 + 1] * 3, i2 = offset + triangles[t * 3 + 2] * 3;
                    double x0 = s[i0], y0 = s[i0 + 1], x1 = s[i1], y1 = s[i1 + 1], x2 = s[i2], y2 = s[i2 + 1];
                    var area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
                    if (Math.Abs(area) < 1e-12)
                    {
                        continue;
                    }

                    double cx = px + 0.5, cy = py + 0.5, inverseArea = 1.0 / area;
                    var w0 = ((x1 - cx) * (y2 - cy) - (y1 - cy) * (x2 - cx)) * inverseArea;
                    var w1 = ((x2 - cx) * (y0 - cy) - (y2 - cy) * (x0 - cx)) * inverseArea;
                    var w2 = 1 - w0 - w1;
                    if (w0 < 0 || w1 < 0 || w2 < 0)
                    {
                        continue;
                    }

                    double iz0 = 1.0 / s[i0 + 2], iz1 = 1.0 / s[i1 + 2], iz2 = 1.0 / s[i2 + 2];
                    var depth = (float)(1 / (w0 * iz0 + w1 * iz1 + w2 * iz2));
                    best = Math.Min(best, ((ulong)BitConverter.SingleToUInt32Bits(depth) << 32) | (uint)t);
                }

                result[py * width + px] = best == ulong.MaxValue ? -1 : (int)(best & 0xFFFFFFFF);
            }
        }

        return result;
    }
}
