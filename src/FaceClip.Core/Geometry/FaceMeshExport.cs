using FaceClip.Core.Rendering;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Geometry;

/// <summary>
/// Builds an <see cref="ExportMesh"/> from a face model's vertices and albedo: keeps the chosen triangles (display
/// regions by default), drops vertices no kept triangle uses, bakes the per-vertex albedo into a UV texture and attaches
/// the expression blendshapes as morph targets. ICT-FaceKit lays its regions out in separate UV tiles (face u∈[0,1],
/// back of head [1,2], gums [2,3], teeth [3,4], lashes [6,7]; the eyes reuse [0,1]), so the export packs them into one
/// texture atlas of 4 x 2 square cells: face, head, gums, teeth on the top row; sclera, iris, lashes, overlays below.
/// </summary>
public static class FaceMeshExport
{
    private static readonly (int Dx, int Dy)[] Neighbours = [(-1, 0), (1, 0), (0, -1), (0, 1)];

    /// <param name="model">The face model (topology, UVs, expression basis).</param>
    /// <param name="vertices">[V, 3] or [1, V, 3] vertex positions (e.g. one item of ComputeShape).</param>
    /// <param name="albedo">[V, 3] or [1, V, 3] per-vertex albedo in [0,1], or null for the mean albedo.</param>
    /// <param name="triangleIds">Triangles to keep; the display set when null.</param>
    /// <param name="textureSize">Side of one atlas cell in pixels (the texture is 4x by 2x that); 0 for no texture.</param>
    /// <param name="includeExpressions">Attach the expression blendshapes as morph targets.</param>
    public static ExportMesh Create(FaceModel model, Tensor vertices, Tensor? albedo = null, IReadOnlyList<int>? triangleIds = null,
        int textureSize = 512, bool includeExpressions = true)
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
        var (atlasUvs, uvIndices) = AtlasUvs(data, triangleIds);
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
            Uvs = atlasUvs,
            TriangleUvIndices = uvIndices,
            VertexColours = colours,
            Texture = textureSize > 0 ? BakeTexture(atlasUvs, triangles, uvIndices, colours, 4 * textureSize, 2 * textureSize) : null,
            MorphTargets = targets,
            SourceVertices = kept.ToArray(),
        };
    }

    /// <summary>The atlas cell (0-7; 0-3 top row) of a region, the u where its ICT UV tile starts and the tile's width.</summary>
    public static (int Cell, float TileStart, float TileWidth) AtlasCell(FaceRegion region) => region switch
    {
        FaceRegion.Face => (0, 0, 1),
        FaceRegion.BackHead => (1, 1, 1),
        FaceRegion.GumsTongue => (2, 2, 1),
        FaceRegion.Teeth => (3, 3, 1),
        FaceRegion.ScleraLeft or FaceRegion.ScleraRight => (4, 0, 1),
        FaceRegion.IrisLeft or FaceRegion.IrisRight => (5, 0, 1),
        FaceRegion.EyeLashes => (6, 6, 1),
        FaceRegion.LacrimalFluid => (7, 4, 2),
        _ => (7, 0, 1),
    };

    /// <summary>Where ICT's UV (<paramref name="u"/>, <paramref name="v"/>) of a <paramref name="region"/> lies in
    /// the 4 x 2 atlas that exported and baked textures use (u right, v up, both 0..1 over the whole atlas).</summary>
    public static (float U, float V) AtlasUv(FaceRegion region, float u, float v)
    {
        var (cell, start, width) = AtlasCell(region);
        var tileU = Math.Clamp((u - start) / width, 0f, 1f);
        var tileV = Math.Clamp(v, 0f, 1f);
        return ((cell % 4 + tileU) / 4f, (1 - cell / 4 + tileV) / 2f);
    }

    /// <summary>Atlas UVs (<see cref="AtlasUv"/>) of each corner of the triangles, (u, v) per corner: what a renderer
    /// needs to sample an exported or baked texture.</summary>
    public static float[] AtlasCornerUvs(FaceModelData data, IReadOnlyList<int> triangleIds)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(triangleIds);
        var result = new float[triangleIds.Count * 6];
        for (var i = 0; i < triangleIds.Count; i++)
        {
            var t = triangleIds[i];
            for (var c = 0; c < 3; c++)
            {
                var uv = data.TriangleUvIndices[t * 3 + c];
                var (u, v) = uv < 0 ? (0f, 0f) : AtlasUv(data.TriangleRegions[t], data.Uvs[uv * 2], data.Uvs[uv * 2 + 1]);
                result[i * 6 + c * 2] = u;
                result[i * 6 + c * 2 + 1] = v;
            }
        }

        return result;
    }

    private static (float[] Uvs, int[] TriangleUvIndices) AtlasUvs(FaceModelData data, IReadOnlyList<int> triangleIds)
    {
        var uvs = new List<float>();
        var indices = new int[triangleIds.Count * 3];
        var seen = new Dictionary<(int Uv, int Cell), int>();
        for (var i = 0; i < triangleIds.Count; i++)
        {
            var t = triangleIds[i];
            var region = data.TriangleRegions[t];
            var cell = AtlasCell(region).Cell;
            for (var c = 0; c < 3; c++)
            {
                var uv = data.TriangleUvIndices[t * 3 + c];
                if (!seen.TryGetValue((uv, cell), out var index))
                {
                    index = uvs.Count / 2;
                    seen[(uv, cell)] = index;
                    var (u, v) = AtlasUv(region, data.Uvs[uv * 2], data.Uvs[uv * 2 + 1]);
                    uvs.Add(u);
                    uvs.Add(v);
                }

                indices[i * 3 + c] = index;
            }
        }

        return (uvs.ToArray(), indices);
    }

    /// <summary>
    /// Bakes per-vertex colours into a UV texture by rasterizing the triangles in UV space (the same visibility
    /// pass as the renderer, at constant depth) and interpolating linearly; texels outside every triangle are filled
    /// from their neighbours (a few dilation passes) so that filtering at UV seams does not bleed background in.
    /// </summary>
    public static Image<Rgb24> BakeTexture(float[] uvs, int[] triangles, int[] triangleUvIndices, float[] vertexColours, int width, int height)
    {
        var uvCount = uvs.Length / 2;
        var screen = new float[uvCount * 3];
        var uvColour = new float[uvCount * 3];
        for (var i = 0; i < uvCount; i++)
        {
            screen[i * 3] = uvs[i * 2] * width;
            screen[i * 3 + 1] = (1 - uvs[i * 2 + 1]) * height;
            screen[i * 3 + 2] = 1;
        }

        for (var c = 0; c < triangles.Length; c++)
        {
            var uv = triangleUvIndices[c];
            Array.Copy(vertexColours, triangles[c] * 3, uvColour, uv * 3, 3);
        }

        var fragments = TriangleRasterizer.Rasterize(screen, 1, uvCount, triangleUvIndices, width, height);
        var texels = new float[width * height * 3];
        var filled = new bool[width * height];
        for (var f = 0; f < fragments.Count; f++)
        {
            var p = (int)fragments.PixelIndices[f];
            var t = (int)fragments.TriangleIndices[f];
            double px = p % width + 0.5, py = p / width + 0.5;
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

        Dilate(texels, filled, width, height, passes: 4);
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 3;
                image[x, y] = new Rgb24(ToByte(texels[i]), ToByte(texels[i + 1]), ToByte(texels[i + 2]));
            }
        }

        return image;
    }

    private static void Dilate(float[] texels, bool[] filled, int width, int height, int passes)
    {
        Span<float> sum = stackalloc float[3];
        for (var pass = 0; pass < passes; pass++)
        {
            var next = (bool[])filled.Clone();
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var i = y * width + x;
                    if (filled[i])
                    {
                        continue;
                    }

                    var n = 0;
                    sum.Clear();
                    foreach (var (dx, dy) in Neighbours)
                    {
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= width || ny >= height || !filled[ny * width + nx])
                        {
                            continue;
                        }

                        for (var k = 0; k < 3; k++)
                        {
                            sum[k] += texels[(ny * width + nx) * 3 + k];
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
