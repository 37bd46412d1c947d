using FaceClip.Core.Rendering;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Geometry;

/// <summary>Builds an <see cref="ExportMesh"/> from a face model's vertices and albedo: keeps the chosen triangles
/// (display regions by default), drops vertices no kept triangle uses, bakes the per-vertex albedo into a UV texture and
/// attaches the expression blendshapes as morph targets.</summary>
public static class FaceMeshExport
{
    private static readonly (int Dx, int Dy)[] Neighbours = [(-1, 0), (1, 0), (0, -1), (0, 1)];

    /// <param name="model">The face model (topology, UVs, expression basis).</param>
    /// <param name="vertices">[V, 3] or [1, V, 3] vertex positions (e.g. one item of ComputeShape).</param>
    /// <param name="albedo">[V, 3] or [1, V, 3] per-vertex albedo in [0,1], or null for the mean albedo.</param>
    /// <param name="triangleIds">Triangles to keep; the display set when null.</param>
    /// <param name="textureSize">Side of the baked UV texture in pixels; 0 for none.</param>
    /// <param name="includeExpressions">Attach the expression blendshapes as morph targets.</param>
    public static ExportMesh Create(FaceModel model, Tensor vertices, Tensor? albedo = null, IReadOnlyList<int>? triangleIds = null,
        int textureSize = 1024, bool includeExpressions = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vertices);
        var data = model.Data;
        triangleIds ??= data.DisplayTriangleIds();
        var positionsAll = ToArray(vertices.reshape(-1, 3), data.VertexCount);
        var coloursAll = ToArray((albedo ?? model.MeanAlbedo).reshape(-1, 3), data.VertexCount);

        var source = data.VerticesOfTriangles(triangleIds);
        var remap = new int[data.VertexCount];
        Array.Fill(remap, -1);
        var kept = new List<int>();
        foreach (var v in source)
        {
            if (remap[v] < 0)
            {
                remap[v] = kept.Count;
                kept.Add(v);
            }
        }

        var triangles = source.Select(v => remap[v]).ToArray();
        var uvIndices = triangleIds.SelectMany(t => new[] { data.TriangleUvIndices[t * 3], data.TriangleUvIndices[t * 3 + 1], data.TriangleUvIndices[t * 3 + 2] }).ToArray();
        var positions = Gather(positionsAll, kept);
        var colours = Gather(coloursAll, kept).Select(c => Math.Clamp(c, 0f, 1f)).ToArray();
        var targets = new List<MorphTarget>();
        if (includeExpressions)
        {
            var stride = data.VertexCount * 3;
            for (var e = 0; e < data.ExpressionCount; e++)
            {
                targets.Add(new MorphTarget(data.ExpressionNames[e], Gather(data.ExpressionDeltas.AsSpan(e * stride, stride), kept)));
            }
        }

        return new ExportMesh
        {
            Positions = positions,
            Triangles = triangles,
            Uvs = data.Uvs,
            TriangleUvIndices = uvIndices,
            VertexColours = colours,
            Texture = textureSize > 0 ? BakeTexture(data.Uvs, triangles, uvIndices, colours, textureSize) : null,
            MorphTargets = targets,
        };
    }

    /// <summary>
    /// Bakes per-vertex colours into a square UV texture by rasterizing the triangles in UV space (the same visibility
    /// pass as the renderer, at constant depth) and interpolating linearly; texels outside every triangle are filled
    /// from their neighbours (a few dilation passes) so that filtering at UV seams does not bleed background in.
    /// </summary>
    public static Image<Rgb24> BakeTexture(float[] uvs, int[] triangles, int[] triangleUvIndices, float[] vertexColours, int size)
    {
        var uvCount = uvs.Length / 2;
        var screen = new float[uvCount * 3];
        var uvColour = new float[uvCount * 3];
        for (var i = 0; i < uvCount; i++)
        {
            screen[i * 3] = uvs[i * 2] * size;
            screen[i * 3 + 1] = (1 - uvs[i * 2 + 1]) * size;
            screen[i * 3 + 2] = 1;
        }

        for (var c = 0; c < triangles.Length; c++)
        {
            var uv = triangleUvIndices[c];
            Array.Copy(vertexColours, triangles[c] * 3, uvColour, uv * 3, 3);
        }

        var fragments = TriangleRasterizer.Rasterize(screen, 1, uvCount, triangleUvIndices, size, size);
        var texels = new float[size * size * 3];
        var filled = new bool[size * size];
        for (var f = 0; f < fragments.Count; f++)
        {
            var p = (int)fragments.PixelIndices[f];
            var t = (int)fragments.TriangleIndices[f];
            double px = p % size + 0.5, py = p / size + 0.5;
            int a = triangleUvIndices[t * 3], b = triangleUvIndices[t * 3 + 1], c = triangleUvIndices[t * 3 + 2];
            double ax = screen[a * 3], ay = screen[a * 3 + 1], bx = screen[b * 3], by = screen[b * 3 + 1], cx = screen[c * 3], cy = screen[c * 3 + 1];
            var area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
            var wa = ((bx - px) * (cy - py) - (by - py) * (cx - px)) / area;
            var wb = ((cx - px) * (ay - py) - (cy - py) * (ax - px)) / area;
            var wc = 1 - wa - wb;
            for (var k = 0; k < 3; k++)
            {
                texels[p * 3 + k] = (float)(wa * uvColour[a * 3 + k] + wb * uvColour[b * 3 + k] + wc * uvColour[c * 3 + k]);
            }

            filled[p] = true;
        }

        Dilate(texels, filled, size, passes: 4);
        var image = new Image<Rgb24>(size, size);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var i = (y * size + x) * 3;
                image[x, y] = new Rgb24(ToByte(texels[i]), ToByte(texels[i + 1]), ToByte(texels[i + 2]));
            }
        }

        return image;
    }

    private static void Dilate(float[] texels, bool[] filled, int size, int passes)
    {
        Span<float> sum = stackalloc float[3];
        for (var pass = 0; pass < passes; pass++)
        {
            var next = (bool[])filled.Clone();
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var i = y * size + x;
                    if (filled[i])
                    {
                        continue;
                    }

                    var n = 0;
                    sum.Clear();
                    foreach (var (dx, dy) in Neighbours)
                    {
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= size || ny >= size || !filled[ny * size + nx])
                        {
                            continue;
                        }

                        for (var k = 0; k < 3; k++)
                        {
                            sum[k] += texels[(ny * size + nx) * 3 + k];
                        }

                        n++;
                    }

                    if (n > 0)
                    {
                        for (var k = 0; k < 3; k++)
                        {
                            texels[i * 3 + k] = sum[k] / n;
                        }

                        next[i] = true;
                    }
                }
            }

            Array.Copy(next, filled, filled.Length);
        }
    }

    private static float[] ToArray(Tensor values, int vertexCount)
    {
        using var scope = NewDisposeScope();
        if (values.shape[0] != vertexCount)
        {
            throw new ArgumentException($"Expected {vertexCount} vertices, got {values.shape[0]}.");
        }

        return values.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
    }

    private static float[] Gather(ReadOnlySpan<float> values, List<int> vertices)
    {
        var result = new float[vertices.Count * 3];
        for (var i = 0; i < vertices.Count; i++)
        {
            values.Slice(vertices[i] * 3, 3).CopyTo(result.AsSpan(i * 3, 3));
        }

        return result;
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);
}
