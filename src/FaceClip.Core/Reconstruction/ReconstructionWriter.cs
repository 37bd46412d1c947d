using FaceClip.Core.Optimisation;
using FaceClip.Core.Losses;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using FaceClip.Core.Geometry;

namespace FaceClip.Core.Reconstruction;

/// <summary>Writes a fit to a folder: <c>params.json</c>, <c>texture.png</c>, <c>render.png</c>, <c>overlay.png</c>
///. Each file is written to a temporary name and moved into place.</summary>
public static class ReconstructionWriter
{
    public const string ParamsFile = "params.json";
    public const string TextureFile = "texture.png";
    public const string RenderFile = "render.png";
    public const string OverlayFile = "overlay.png";
    public const string ObjFile = "mesh.obj";
    public const string MtlFile = "mesh.mtl";
    public const string ObjZipFile = "mesh-obj.zip";
    public const string GlbFile = "mesh.glb";
    public const string PlyFile = "mesh.ply";
    public const string DisplacementFile = "displacement.png";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes every artifact and returns their file names.</summary>
    public static IReadOnlyList<string> Write(ReconstructionResult result, string directory, string photoName) =>
        Staged(directory, staging =>
        {
            File.WriteAllText(Path.Combine(staging, ParamsFile), ToJson(result, photoName).ToJsonString(Json));
            WriteMeshes(result.Mesh, result.ExpressionWeights, staging);
            File.WriteAllBytes(Path.Combine(staging, RenderFile), result.RenderPng);
            File.WriteAllBytes(Path.Combine(staging, OverlayFile), result.OverlayPng);
            if (result.Details is { } details)
            {
                File.WriteAllBytes(Path.Combine(staging, DisplacementFile), details.DisplacementPng);
            }
        });

    /// <summary>Writes OBJ (+MTL, texture, zip), GLB and PLY of a mesh whose morph targets take <paramref name="weights"/>;
    /// the GLB also carries <paramref name="animation"/> (morph-weight keyframes) when given.</summary>
    public static void WriteMeshes(ExportMesh mesh, IReadOnlyList<float> weights, string directory,
        IReadOnlyList<MorphKeyframe>? animation = null, string animationName = "expression")
    {
        var posed = mesh.ApplyMorphs(weights);
        ObjExporter.Write(Path.Combine(directory, ObjFile), posed, TextureFile);
        PlyExporter.Write(Path.Combine(directory, PlyFile), posed);
        GlbExporter.Write(Path.Combine(directory, GlbFile), mesh, weights, animation, animationName);
        using var zip = ZipFile.Open(Path.Combine(directory, ObjZipFile), ZipArchiveMode.Create);
        foreach (var name in new[] { ObjFile, MtlFile, TextureFile })
        {
            zip.CreateEntryFromFile(Path.Combine(directory, name), name, CompressionLevel.Optimal);
        }
    }

    /// <summary>Runs <paramref name="write"/> into a fresh staging folder inside <paramref name="directory"/>, then
    /// moves each file it wrote into <paramref name="directory"/>; returns their names in the order written.</summary>
    public static IReadOnlyList<string> Staged(string directory, Action<string> write)
    {
        Directory.CreateDirectory(directory);
        var staging = Path.Combine(directory, $".staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            write(staging);
            var files = new DirectoryInfo(staging).GetFiles().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
            foreach (var file in files)
            {
                file.MoveTo(Path.Combine(directory, file.Name), overwrite: true);
            }

            return files.Select(f => f.Name).ToList();
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The parameters document: codes by name, camera, crop, landmarks in photo pixels, losses, timings.</summary>
    public static JsonObject ToJson(ReconstructionResult r, string photoName)
    {
        var layout = r.Layout;
        JsonArray Floats(int offset, int length) => new(r.Codes.AsSpan(offset, length).ToArray().Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
        JsonArray Points((float X, float Y)[] points) => new(points.Select(p => (JsonNode)new JsonArray(p.X, p.Y)).ToArray());
        var expression = new JsonObject();
        for (var i = 0; i < layout.Expression; i++)
        {
            expression[r.ExpressionNames[i]] = r.Codes[layout.ExpressionOffset + i];
        }

        return new JsonObject
        {
            ["model"] = r.ModelId,
            ["photo"] = new JsonObject { ["file"] = photoName, ["width"] = r.PhotoWidth, ["height"] = r.PhotoHeight },
            ["face_index"] = r.FaceIndex,
            ["face_count"] = r.FaceCount,
            ["face_box"] = new JsonArray(r.FaceBox.X, r.FaceBox.Y, r.FaceBox.Width, r.FaceBox.Height),
            ["codes"] = new JsonObject
            {
                ["shape"] = Floats(layout.ShapeOffset, layout.Shape),
                ["expression"] = expression,
                ["texture"] = Floats(layout.TextureOffset, layout.Texture),
                ["rotation"] = Floats(layout.RotationOffset, 3),
                ["translation"] = Floats(layout.TranslationOffset, 3),
                ["lighting"] = Floats(layout.LightingOffset, 27),
            },
            ["code_conventions"] = new JsonObject
            {
                ["rotation"] = "Euler angles (x, y, z) in radians, R = Rz·Ry·Rx",
                ["translation"] = "cm, applied after rotation; the camera sits at (0, 0, distance) looking down -z",
                ["lighting"] = "second-order SH, 9 coefficients per channel (R, G, B), added to an ambient 0.8",
            },
            ["camera"] = new JsonObject
            {
                ["width"] = r.Camera.Width,
                ["height"] = r.Camera.Height,
                ["focal"] = r.Camera.Focal,
                ["cx"] = r.Camera.CenterX,
                ["cy"] = r.Camera.CenterY,
                ["distance"] = r.Camera.Distance,
            },
            ["crop"] = new JsonObject { ["left"] = r.Crop.Left, ["top"] = r.Crop.Top, ["side"] = r.Crop.Side, ["size"] = r.Crop.Size },
            ["landmarks2d"] = Points(r.Landmarks2d),
            ["detected_landmarks2d"] = Points(r.DetectedLandmarks2d),
            ["quality"] = new JsonObject
            {
                ["landmark_nme"] = r.Quality.LandmarkNme,
                ["photometric_error"] = r.Quality.PhotometricError,
                ["descriptor_distance"] = r.Quality.DescriptorDistance,
                ["photometric_error_all_pixels"] = r.Quality.PhotometricErrorAllPixels,
                ["skin_coverage"] = r.Quality.SkinCoverage,
            },
            ["detail"] = r.Details is not { } d ? null : new JsonObject
            {
                ["file"] = DisplacementFile,
                ["meaning"] = "displacement along the vertex normals over the face's UV tile (u right, v up; row 0 is v = 1), applied to the exported meshes",
                ["grey_0_cm"] = d.Low,
                ["grey_65535_cm"] = d.High,
                ["resolution"] = d.Resolution,
                ["iterations"] = d.Iterations,
                ["max_displacement_cm"] = d.MaxDisplacement,
                ["mean_displacement_cm"] = d.MeanDisplacement,
            },
            ["critic"] = r.Critic.Name(),
            ["critic_description"] = r.CriticDescription,
            ["initialiser"] = r.Initialiser.Name(),
            ["device"] = r.Device,
            ["timings"] = new JsonObject(r.Timings.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(Math.Round(kv.Value, 3))))),
            ["loss_history"] = new JsonArray(r.LossHistory.Select(h =>
            {
                var entry = new JsonObject { ["stage"] = h.Stage.Name() };
                foreach (var (name, value) in h.Losses)
                {
                    entry[name] = value;
                }

                return (JsonNode)entry;
            }).ToArray()),
        };
    }
}
