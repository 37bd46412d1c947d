using System.Globalization;
using System.Numerics;
using FaceClip.Core.Geometry;
using SharpGLTF.Schema2;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Geometry;

public sealed class MeshExportTests(IctFaceKitFixture fixture) : IClassFixture<IctFaceKitFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("faceclip-export-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void FaceExportKeepsDisplayRegionsBakesTheAlbedoAndCarriesTheExpressions()
    {
        var mesh = FaceExport(out _);
        // Display regions without the transparent eye overlays: their vertices are dropped.
        Assert.InRange(mesh.VertexCount, 20_000, 26_718);
        Assert.Equal(fixture.Data.DisplayTriangleIds().Length, mesh.TriangleCount);
        Assert.Equal(53, mesh.MorphTargets.Count);
        Assert.Equal(4 * 128, mesh.Texture!.Width);
        Assert.Equal(2 * 128, mesh.Texture.Height);
        Assert.All(mesh.Uvs!, uv => Assert.InRange(uv, 0f, 1f));
        // ICT's regions share UV tiles; in the export atlas each texel shows its own vertex's albedo.
        var data = fixture.Data;
        var mean = AlbedoModel.MeanAlbedo(data);
        // Probe vertices whose neighbours all share their albedo, near enough (no sharp edge under the texel; the mouth's
        // inside darkens smoothly with depth).
        int VertexOf(FaceRegion region, float? red = null)
        {
            var triangles = data.TriangleIdsWhere(r => r == region);
            bool Near(int t, float value) => Enumerable.Range(0, 3).All(c => Math.Abs(mean[data.Triangles[t * 3 + c] * 3] - value) <= (red is null ? 0.003f : 0f));
            var uniform = triangles.Where(t => Near(t, red ?? mean[data.Triangles[t * 3] * 3])).ToHashSet();
            return data.Triangles[triangles.First(t => uniform.Contains(t) && triangles.Where(u => data.VerticesOfTriangles([u]).Contains(data.Triangles[t * 3])).All(uniform.Contains)) * 3];
        }

        int[] probes = [data.Landmarks[3], VertexOf(FaceRegion.BackHead, AlbedoModel.Skin[0]), VertexOf(FaceRegion.IrisLeft, AlbedoModel.RegionColour(FaceRegion.IrisLeft)[0]),
            VertexOf(FaceRegion.IrisRight, AlbedoModel.RegionColour(FaceRegion.ScleraRight)[0]), VertexOf(FaceRegion.Teeth),
            VertexOf(FaceRegion.GumsTongue)];
        Assert.True(probes.Select(v => mean[v * 3]).Distinct().Count() >= 4);
        foreach (var vertex in probes)
        {
            var expected = mean.AsSpan(vertex * 3, 3).ToArray();
            var texel = TexelAt(mesh, vertex);
            for (var k = 0; k < 3; k++)
            {
                Assert.InRange(texel[k], expected[k] - 0.01f, expected[k] + 0.01f);
            }
        }
    }

    [Fact]
    public void ObjAndMtlAndTextureRoundTrip()
    {
        var mesh = FaceExport(out _);
        var path = Path.Combine(_folder, "face.obj");
        ObjExporter.Write(path, mesh);
        var read = ObjMeshReader.ReadMesh(path);
        Assert.Equal(mesh.Positions, read.Positions);
        Assert.Equal(mesh.Triangles, read.Triangles);
        Assert.Equal(mesh.TriangleUvIndices, read.TriangleUvs);
        Assert.Equal(mesh.Uvs, read.Uvs);
        Assert.All(read.TriangleMaterials, m => Assert.Equal("face", m));
        var mtl = File.ReadAllLines(Path.Combine(_folder, "face.mtl"));
        Assert.Contains("newmtl face", mtl);
        Assert.Contains("map_Kd face_albedo.png", mtl);
        using var texture = SixLabors.ImageSharp.Image.Load<Rgb24>(Path.Combine(_folder, "face_albedo.png"));
        Assert.Equal(mesh.Texture![100, 100], texture[100, 100]);
    }

    [Fact]
    public void PlyRoundTripsPositionsColoursAndFaces()
    {
        var mesh = FaceExport(out _);
        var path = Path.Combine(_folder, "face.ply");
        PlyExporter.Write(path, mesh);
        var lines = File.ReadAllLines(path);
        Assert.Equal("ply", lines[0]);
        Assert.Contains($"element vertex {mesh.VertexCount}", lines);
        Assert.Contains($"element face {mesh.TriangleCount}", lines);
        Assert.Contains("property uchar red", lines);
        var body = Array.IndexOf(lines, "end_header") + 1;
        for (var v = 0; v < mesh.VertexCount; v += 997)
        {
            var parts = lines[body + v].Split(' ');
            for (var k = 0; k < 3; k++)
            {
                Assert.Equal(mesh.Positions[v * 3 + k], float.Parse(parts[k], CultureInfo.InvariantCulture));
                Assert.Equal(Math.Round(mesh.VertexColours![v * 3 + k] * 255), double.Parse(parts[3 + k], CultureInfo.InvariantCulture));
            }
        }

        var faces = lines.Skip(body + mesh.VertexCount).Select(l => l.Split(' ').Select(int.Parse).ToArray()).ToArray();
        Assert.Equal(mesh.TriangleCount, faces.Length);
        Assert.All(faces, f => Assert.Equal(3, f[0]));
        Assert.Equal(mesh.Triangles, faces.SelectMany(f => f.Skip(1)));
    }

    [Fact]
    public void GlbRoundTripsGeometryMorphTargetsTextureAndAnimation()
    {
        var mesh = FaceExport(out var jaw);
        var path = Path.Combine(_folder, "face.glb");
        var from = new float[53];
        var to = new float[53];
        to[jaw] = 1f;
        GlbExporter.Write(path, mesh, animation: MorphKeyframe.Between(from, to, 1.5f, andBack: true));

        var model = ModelRoot.Load(path);
        var gltfMesh = Assert.Single(model.LogicalMeshes);
        var primitive = Assert.Single(gltfMesh.Primitives);
        var positions = primitive.GetVertexAccessor("POSITION").AsVector3Array();
        var triangles = primitive.GetTriangleIndices().ToArray();
        Assert.Equal(mesh.TriangleCount, triangles.Length);
        // Every corner of every triangle sits where the source vertex is (seams split vertices, not triangles).
        for (var t = 0; t < triangles.Length; t += 101)
        {
            var (a, b, c) = triangles[t];
            int[] source = [mesh.Triangles[t * 3], mesh.Triangles[t * 3 + 1], mesh.Triangles[t * 3 + 2]];
            Assert.Equal(Position(mesh, source[0]), positions[a]);
            Assert.Equal(Position(mesh, source[1]), positions[b]);
            Assert.Equal(Position(mesh, source[2]), positions[c]);
        }

        Assert.True(positions.Count >= mesh.VertexCount);
        Assert.Equal(53, primitive.MorphTargetsCount);
        var names = gltfMesh.Extras!["targetNames"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        Assert.Equal(fixture.Data.ExpressionNames, names);
        var jawDeltas = primitive.GetMorphTargetAccessors(jaw)["POSITION"].AsVector3Array();
        var (t0, _, _) = triangles[0];
        var v0 = mesh.Triangles[0];
        Assert.Equal(new Vector3(mesh.MorphTargets[jaw].Deltas[v0 * 3], mesh.MorphTargets[jaw].Deltas[v0 * 3 + 1], mesh.MorphTargets[jaw].Deltas[v0 * 3 + 2]), jawDeltas[t0]);
        Assert.Single(model.LogicalImages);
        Assert.NotNull(primitive.Material.FindChannel("BaseColor")!.Value.Texture);

        var animation = Assert.Single(model.LogicalAnimations);
        Assert.Equal("expression", animation.Name);
        Assert.Equal(3.0f, animation.Duration, 3);
        var node = model.LogicalNodes.Single(n => n.Mesh is not null);
        var keys = animation.FindMorphChannel(node)!.GetMorphSampler().GetLinearKeys().ToArray();
        Assert.Equal([0f, 1.5f, 3f], keys.Select(k => k.Key));
        Assert.Equal(1f, keys[1].Value[jaw]);
        Assert.Equal(0f, keys[1].Value[0]);
        Assert.Equal(0f, keys[2].Value[jaw]);
    }

    [Fact]
    public void MeshesWithoutUvsOrMorphsExportToAllFormats()
    {
        float[] positions = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
        int[] triangles = [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3];
        var mesh = new ExportMesh { Positions = positions, Triangles = triangles };
        ObjExporter.Write(Path.Combine(_folder, "t.obj"), mesh);
        PlyExporter.Write(Path.Combine(_folder, "t.ply"), mesh);
        GlbExporter.Write(Path.Combine(_folder, "t.glb"), mesh);
        var obj = ObjMeshReader.ReadMesh(Path.Combine(_folder, "t.obj"));
        Assert.Equal(positions, obj.Positions);
        Assert.Equal(triangles, obj.Triangles);
        Assert.DoesNotContain(File.ReadAllLines(Path.Combine(_folder, "t.ply")), l => l.Contains("red", StringComparison.Ordinal));
        var glb = ModelRoot.Load(Path.Combine(_folder, "t.glb")).LogicalMeshes[0].Primitives[0];
        Assert.Equal(4, glb.GetVertexAccessor("POSITION").Count);
        Assert.Equal(triangles, glb.GetTriangleIndices().SelectMany(t => new[] { t.A, t.B, t.C }));
    }

    private ExportMesh FaceExport(out int jaw)
    {
        using var model = new FaceModel(fixture.Data);
        using var scope = NewDisposeScope();
        jaw = Array.IndexOf(fixture.Data.ExpressionNames, "jawOpen");
        return FaceMeshExport.Create(model, model.MeanShape, textureSize: 128);
    }

    private Vector3 Position(ExportMesh mesh, int v) => new(mesh.Positions[v * 3], mesh.Positions[v * 3 + 1], mesh.Positions[v * 3 + 2]);

    /// <summary>The texture colour at the UV of one corner of the exported copy of a model vertex.</summary>
    private static float[] TexelAt(ExportMesh mesh, int sourceVertex)
    {
        var exported = Array.IndexOf(mesh.SourceVertices!, sourceVertex);
        var corner = Array.IndexOf(mesh.Triangles, exported);
        var uv = mesh.TriangleUvIndices![corner];
        var texture = mesh.Texture!;
        var x = Math.Min((int)(mesh.Uvs![uv * 2] * texture.Width), texture.Width - 1);
        var y = Math.Min((int)((1 - mesh.Uvs[uv * 2 + 1]) * texture.Height), texture.Height - 1);
        var p = texture[x, y];
        return [p.R / 255f, p.G / 255f, p.B / 255f];
    }
}
