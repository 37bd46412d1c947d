using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FaceClip.Core.IO;
using FaceClip.Core.Runtime;
using TorchSharp;

namespace FaceClip.Core.Geometry;

/// <summary>
/// Imports ICT-FaceKit (light model) from its published files: <c>generic_neutral_mesh.obj</c> (topology, UVs,
/// materials), <c>identity000..099.obj</c>, one OBJ per expression named in <c>vertex_indices.json</c>, and the
/// landmark and fitting vertex lists of <c>vertex_indices.json</c>. The result is cached as safetensors under
/// <see cref="ModelStore.CacheDirectory"/>, keyed on the manifest's file hashes.
/// </summary>
public static class IctFaceKitImporter
{
    public const string AssetId = "ict-facekit";
    public const string ModelFolder = "FaceXModel";
    public const int ExpectedVertexCount = 26_719;
    public const int IdentityCount = 100;
    private const string FormatVersion = "ict-import-v1";

    /// <summary>Loads the cached import, or imports from the store's files and writes the cache.</summary>
    public static FaceModelData Load(ModelStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var status = store.Require(AssetId);
        var folder = status.PathOf(ModelFolder);
        var key = SourceKey(status, folder);
        var cachePath = Path.Combine(store.CacheDirectory, "ict-facekit.safetensors");
        if (TryReadCache(cachePath, key) is { } cached)
        {
            return cached;
        }

        var data = Import(folder, key);
        try
        {
            Directory.CreateDirectory(store.CacheDirectory);
            WriteCache(cachePath, data);
        }
        catch (IOException)
        {
            // A read-only models folder still works; it imports every time.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return data;
    }

    /// <summary>Imports from a <c>FaceXModel</c> folder (no cache).</summary>
    public static FaceModelData Import(string faceXModelFolder, string? sourceKey = null)
    {
        var mesh = ObjMeshReader.ReadMesh(Path.Combine(faceXModelFolder, "generic_neutral_mesh.obj"));
        var vertexCount = mesh.Positions.Length / 3;
        if (vertexCount != ExpectedVertexCount)
        {
            throw new InvalidDataException($"generic_neutral_mesh.obj has {vertexCount} vertices; ICT-FaceKit light has {ExpectedVertexCount}.");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(faceXModelFolder, "vertex_indices.json")));
        var root = json.RootElement;
        var expressionNames = root.GetProperty("expressions").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var landmarks = root.GetProperty("idx_to_landmark_verts").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var fitting = root.GetProperty("idx_to_fitting_verts").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        if (landmarks.Length != 68)
        {
            throw new InvalidDataException($"vertex_indices.json lists {landmarks.Length} landmarks, expected 68.");
        }

        var identityFiles = Enumerable.Range(0, IdentityCount).Select(i => $"identity{i:000}.obj").ToArray();
        var identity = ReadDeltas(faceXModelFolder, identityFiles, mesh.Positions);
        var expression = ReadDeltas(faceXModelFolder, expressionNames.Select(n => n + ".obj").ToArray(), mesh.Positions);
        var regions = mesh.TriangleMaterials.Select(RegionOfMaterial).ToArray();
        return new FaceModelData
        {
            VertexCount = vertexCount,
            Neutral = mesh.Positions,
            IdentityCount = IdentityCount,
            IdentityDeltas = identity,
            ExpressionNames = expressionNames,
            ExpressionDeltas = expression,
            Triangles = mesh.Triangles,
            TriangleUvIndices = mesh.TriangleUvs,
            Uvs = mesh.Uvs,
            TriangleRegions = regions,
            Landmarks = landmarks,
            ContourCandidates = DeriveContourCandidates(mesh.Positions, mesh.Triangles, regions, landmarks),
            FittingVertices = fitting,
            SourceKey = sourceKey ?? "unkeyed",
        };
    }

    /// <summary>Maps an ICT material name (<c>M_Face</c>, <c>M_Teeth</c>, ...) to its region.</summary>
    public static FaceRegion RegionOfMaterial(string material) =>
        Enum.TryParse<FaceRegion>(material.StartsWith("M_", StringComparison.Ordinal) ? material[2..] : material, out var region)
            ? region
            : throw new InvalidDataException($"Unknown ICT-FaceKit material '{material}'.");

    /// <summary>
    /// Alternative jaw-line vertices for landmarks 0-16: face vertices within 0.35 cm of the landmark's height, on the
    /// same side, from the landmark outwards (|x| not smaller) and not more than 3 cm behind it (which keeps the ears
    /// out), ordered by the angle around the vertical axis. When a face turns, the visible contour moves along these.
    /// </summary>
    internal static int[][] DeriveContourCandidates(float[] positions, int[] triangles, FaceRegion[] regions, int[] landmarks)
    {
        var vertexCount = positions.Length / 3;
        var onFace = FaceModelData.RegionVertexMask(vertexCount, triangles, regions, FaceRegion.Face);

        var result = new int[17][];
        for (var k = 0; k < 17; k++)
        {
            var l = landmarks[k];
            float lx = positions[l * 3], ly = positions[l * 3 + 1], lz = positions[l * 3 + 2];
            var side = Math.Sign(lx);
            var list = new List<(double Angle, int Vertex)>();
            for (var v = 0; v < vertexCount; v++)
            {
                if (!onFace[v] || v == l)
                {
                    continue;
                }

                float x = positions[v * 3], y = positions[v * 3 + 1], z = positions[v * 3 + 2];
                if (side == 0 || Math.Sign(x) != side || Math.Abs(y - ly) > 0.35f || Math.Abs(x) < Math.Abs(lx) || z < lz - 3f)
                {
                    continue;
                }

                list.Add((Math.Atan2(Math.Abs(x), z), v));
            }

            result[k] = [l, .. list.OrderBy(e => e.Angle).Select(e => e.Vertex)];
        }

        return result;
    }

    private static float[] ReadDeltas(string folder, string[] files, float[] neutral)
    {
        var stride = neutral.Length;
        var deltas = new float[files.Length * stride];
        Parallel.For(0, files.Length, i =>
        {
            var path = Path.Combine(folder, files[i]);
            var positions = ObjMeshReader.ReadPositions(path);
            if (positions.Length != stride)
            {
                throw new InvalidDataException($"{files[i]} has {positions.Length / 3} vertices, expected {stride / 3}.");
            }

            for (var j = 0; j < stride; j++)
            {
                deltas[i * stride + j] = positions[j] - neutral[j];
            }
        });
        return deltas;
    }

    private static string SourceKey(AssetStatus status, string folder)
    {
        var text = new StringBuilder(FormatVersion);
        foreach (var file in status.Asset.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            text.Append('|').Append(file.Path).Append('=');
            if (file.Sha256 is not null)
            {
                text.Append(file.Sha256);
            }
            else
            {
                var info = new FileInfo(status.PathOf(file.Path));
                text.Append(info.Length).Append('@').Append(info.LastWriteTimeUtc.Ticks);
            }
        }

        _ = folder;
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    internal static FaceModelData? TryReadCache(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var tensors = SafeTensors.Load(path, out var meta);
            try
            {
                if (!meta.TryGetValue("source_key", out var stored) || stored != key)
                {
                    return null;
                }

                var contourFlat = Ints(tensors["contour_vertices"]);
                var contourOffsets = Ints(tensors["contour_offsets"]);
                var contour = new int[17][];
                for (var k = 0; k < 17; k++)
                {
                    contour[k] = contourFlat[contourOffsets[k]..contourOffsets[k + 1]];
                }

                var neutral = Floats(tensors["neutral"]);
                return new FaceModelData
                {
                    VertexCount = neutral.Length / 3,
                    Neutral = neutral,
                    IdentityCount = (int)tensors["identity_deltas"].shape[0],
                    IdentityDeltas = Floats(tensors["identity_deltas"]),
                    ExpressionNames = meta["expression_names"].Split(','),
                    ExpressionDeltas = Floats(tensors["expression_deltas"]),
                    Triangles = Ints(tensors["triangles"]),
                    TriangleUvIndices = Ints(tensors["triangle_uvs"]),
                    Uvs = Floats(tensors["uvs"]),
                    TriangleRegions = tensors["triangle_regions"].data<byte>().ToArray().Select(b => (FaceRegion)b).ToArray(),
                    Landmarks = Ints(tensors["landmarks"]),
                    ContourCandidates = contour,
                    FittingVertices = Ints(tensors["fitting_vertices"]),
                    SourceKey = key,
                };
            }
            finally
            {
                foreach (var t in tensors.Values)
                {
                    t.Dispose();
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or KeyNotFoundException or IOException or JsonException)
        {
            return null;
        }
    }

    internal static void WriteCache(string path, FaceModelData data)
    {
        using var scope = torch.NewDisposeScope();
        var v = data.VertexCount;
        var offsets = new int[18];
        for (var k = 0; k < 17; k++)
        {
            offsets[k + 1] = offsets[k] + data.ContourCandidates[k].Length;
        }

        var tensors = new Dictionary<string, torch.Tensor>
        {
            ["neutral"] = torch.tensor(data.Neutral).reshape(v, 3),
            ["identity_deltas"] = torch.tensor(data.IdentityDeltas).reshape(data.IdentityCount, v, 3),
            ["expression_deltas"] = torch.tensor(data.ExpressionDeltas).reshape(data.ExpressionCount, v, 3),
            ["triangles"] = torch.tensor(data.Triangles).reshape(-1, 3),
            ["triangle_uvs"] = torch.tensor(data.TriangleUvIndices).reshape(-1, 3),
            ["uvs"] = torch.tensor(data.Uvs).reshape(-1, 2),
            ["triangle_regions"] = torch.tensor(data.TriangleRegions.Select(r => (byte)r).ToArray()),
            ["landmarks"] = torch.tensor(data.Landmarks),
            ["contour_vertices"] = torch.tensor(data.ContourCandidates.SelectMany(c => c).ToArray()),
            ["contour_offsets"] = torch.tensor(offsets),
            ["fitting_vertices"] = torch.tensor(data.FittingVertices),
        };
        SafeTensors.Save(path, tensors, new Dictionary<string, string>
        {
            ["source_key"] = data.SourceKey,
            ["format"] = FormatVersion,
            ["expression_names"] = string.Join(',', data.ExpressionNames),
        });
    }

    private static float[] Floats(torch.Tensor t) => t.to(torch.float32).contiguous().data<float>().ToArray();

    private static int[] Ints(torch.Tensor t) => t.to(torch.int32).contiguous().data<int>().ToArray();
}
