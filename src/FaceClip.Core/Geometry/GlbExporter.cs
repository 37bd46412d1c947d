using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SharpGLTF.Memory;
using SharpGLTF.Schema2;
using SixLabors.ImageSharp;

namespace FaceClip.Core.Geometry;

/// <summary>
/// Writes binary glTF (GLB) with SharpGLTF: one mesh with POSITION, NORMAL, TEXCOORD_0 and COLOR_0, the texture as
/// the base colour when present, every morph target as a glTF morph target (names in <c>mesh.extras.targetNames</c>,
/// the convention three.js and Blender read), and optionally an animation of the morph weights. Vertices on UV seams
/// are split (glTF has one UV per vertex); morph deltas follow the split.
/// </summary>
public static class GlbExporter
{
    /// <param name="path">Output .glb file.</param>
    /// <param name="mesh">The mesh.</param>
    /// <param name="weights">Initial morph weights (one per target), or null for zeros.</param>
    /// <param name="animation">Keyframes of morph weights to write as an animation named <paramref name="animationName"/>.</param>
    /// <param name="animationName">The animation's name.</param>
    public static void Write(string path, ExportMesh mesh, IReadOnlyList<float>? weights = null,
        IReadOnlyList<MorphKeyframe>? animation = null, string animationName = "expression")
    {
        ArgumentNullException.ThrowIfNull(mesh);
        var (corners, cornerUv) = SplitSeams(mesh);
        var count = corners.Count;
        var normals = VertexNormals(mesh);
        var positions = new Vector3[count];
        var vertexNormals = new Vector3[count];
        var uvs = new Vector2[count];
        var colours = new Vector4[count];
        for (var i = 0; i < count; i++)
        {
            var v = corners[i];
            positions[i] = new Vector3(mesh.Positions[v * 3], mesh.Positions[v * 3 + 1], mesh.Positions[v * 3 + 2]);
            vertexNormals[i] = normals[v];
            if (mesh.HasUvs && cornerUv[i] >= 0)
            {
                uvs[i] = new Vector2(mesh.Uvs![cornerUv[i] * 2], 1 - mesh.Uvs[cornerUv[i] * 2 + 1]);
            }

            colours[i] = mesh.VertexColours is null
                ? Vector4.One
                : new Vector4(mesh.VertexColours[v * 3], mesh.VertexColours[v * 3 + 1], mesh.VertexColours[v * 3 + 2], 1);
        }

        var root = ModelRoot.CreateModel();
        var scene = root.UseScene("face");
        var node = scene.CreateNode("face");
        var gltfMesh = root.CreateMesh("face");
        node.Mesh = gltfMesh;
        var primitive = gltfMesh.CreatePrimitive();
        primitive.SetVertexAccessor("POSITION", VertexAccessor(root, positions, DimensionType.VEC3));
        primitive.SetVertexAccessor("NORMAL", VertexAccessor(root, vertexNormals, DimensionType.VEC3));
        primitive.SetVertexAccessor("COLOR_0", VertexAccessor(root, colours, DimensionType.VEC4));
        if (mesh.HasUvs)
        {
            primitive.SetVertexAccessor("TEXCOORD_0", VertexAccessor(root, uvs, DimensionType.VEC2));
        }

        var indices = root.CreateAccessor("indices");
        var indexBytes = MemoryMarshal.AsBytes(RemappedTriangles(mesh, corners, cornerUv).AsSpan()).ToArray();
        indices.SetIndexData(root.UseBufferView(indexBytes, 0, null, 0, BufferMode.ELEMENT_ARRAY_BUFFER), 0, mesh.Triangles.Length, IndexEncodingType.UNSIGNED_INT);
        primitive.SetIndexAccessor(indices);

        var material = root.CreateMaterial("face");
        material.DoubleSided = false;
        material.InitializePBRMetallicRoughness();
        var baseColour = material.FindChannel("BaseColor")!.Value;
        if (mesh.Texture is not null)
        {
            using var png = new MemoryStream();
            mesh.Texture.SaveAsPng(png);
            var image = root.UseImage(new MemoryImage(png.ToArray()));
            baseColour.SetTexture(0, image);
        }

        if (mesh.NormalTexture is not null && mesh.HasUvs)
        {
            using var png = new MemoryStream();
            mesh.NormalTexture.SaveAsPng(png);
            material.FindChannel("Normal")!.Value.SetTexture(0, root.UseImage(new MemoryImage(png.ToArray())));
        }

        var roughness = material.FindChannel("MetallicRoughness")!.Value;
        roughness.Parameters[0].Value = 0f;
        roughness.Parameters[1].Value = 0.8f;
        primitive.Material = material;

        for (var m = 0; m < mesh.MorphTargets.Count; m++)
        {
            var deltas = mesh.MorphTargets[m].Deltas;
            var split = new Vector3[count];
            for (var i = 0; i < count; i++)
            {
                var v = corners[i];
                split[i] = new Vector3(deltas[v * 3], deltas[v * 3 + 1], deltas[v * 3 + 2]);
            }

            primitive.SetMorphTargetAccessors(m, new Dictionary<string, Accessor> { ["POSITION"] = VertexAccessor(root, split, DimensionType.VEC3) });
        }

        if (mesh.MorphTargets.Count > 0)
        {
            gltfMesh.SetMorphWeights(Enumerable.Range(0, mesh.MorphTargets.Count).Select(i => weights is null ? 0f : weights[i]).ToArray());
            gltfMesh.Extras = new JsonObject { ["targetNames"] = new JsonArray(mesh.MorphTargets.Select(t => (JsonNode)JsonValue.Create(t.Name)!).ToArray()) };
            if (animation is { Count: > 0 })
            {
                var keys = animation.ToDictionary(k => k.Time, k => k.Weights);
                root.CreateAnimation(animationName).CreateMorphChannel(node, keys, mesh.MorphTargets.Count);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        root.SaveGLB(path);
    }

    /// <summary>One glTF vertex per distinct (vertex, uv) corner pair.</summary>
    private static (List<int> Corners, List<int> CornerUv) SplitSeams(ExportMesh mesh)
    {
        var corners = new List<int>();
        var cornerUv = new List<int>();
        if (!mesh.HasUvs)
        {
            corners.AddRange(Enumerable.Range(0, mesh.VertexCount));
            cornerUv.AddRange(Enumerable.Repeat(-1, mesh.VertexCount));
            return (corners, cornerUv);
        }

        var seen = new Dictionary<(int, int), int>();
        for (var c = 0; c < mesh.Triangles.Length; c++)
        {
            var key = (mesh.Triangles[c], mesh.TriangleUvIndices![c]);
            if (!seen.ContainsKey(key))
            {
                seen[key] = corners.Count;
                corners.Add(key.Item1);
                cornerUv.Add(key.Item2);
            }
        }

        return (corners, cornerUv);
    }

    private static uint[] RemappedTriangles(ExportMesh mesh, List<int> corners, List<int> cornerUv)
    {
        if (!mesh.HasUvs)
        {
            return mesh.Triangles.Select(v => (uint)v).ToArray();
        }

        var index = new Dictionary<(int, int), int>(corners.Count);
        for (var i = 0; i < corners.Count; i++)
        {
            index[(corners[i], cornerUv[i])] = i;
        }

        return Enumerable.Range(0, mesh.Triangles.Length).Select(c => (uint)index[(mesh.Triangles[c], mesh.TriangleUvIndices![c])]).ToArray();
    }

    private static Vector3[] VertexNormals(ExportMesh mesh)
    {
        var normals = new Vector3[mesh.VertexCount];
        for (var t = 0; t < mesh.TriangleCount; t++)
        {
            int a = mesh.Triangles[t * 3], b = mesh.Triangles[t * 3 + 1], c = mesh.Triangles[t * 3 + 2];
            var pa = new Vector3(mesh.Positions[a * 3], mesh.Positions[a * 3 + 1], mesh.Positions[a * 3 + 2]);
            var pb = new Vector3(mesh.Positions[b * 3], mesh.Positions[b * 3 + 1], mesh.Positions[b * 3 + 2]);
            var pc = new Vector3(mesh.Positions[c * 3], mesh.Positions[c * 3 + 1], mesh.Positions[c * 3 + 2]);
            var n = Vector3.Cross(pb - pa, pc - pa);
            normals[a] += n;
            normals[b] += n;
            normals[c] += n;
        }

        for (var i = 0; i < normals.Length; i++)
        {
            normals[i] = normals[i].LengthSquared() > 0 ? Vector3.Normalize(normals[i]) : Vector3.UnitZ;
        }

        return normals;
    }

    private static Accessor VertexAccessor<T>(ModelRoot root, T[] values, DimensionType dimensions)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var view = root.UseBufferView(bytes, 0, null, 0, BufferMode.ARRAY_BUFFER);
        var accessor = root.CreateAccessor();
        accessor.SetVertexData(view, 0, values.Length, new AttributeFormat(dimensions));
        return accessor;
    }
}
