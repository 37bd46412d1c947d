using System.Text.Json;
using System.Text.Json.Nodes;
using SixLabors.ImageSharp;

namespace FaceClip.Core.Reconstruction;

/// <summary>Writes a fit to a folder: <c>params.json</c>, <c>texture.png</c>, <c>render.png</c>, <c>overlay.png</c>
///. Each file is written to a temporary name and moved into place.</summary>
public static class ReconstructionWriter
{
    public const string ParamsFile = "params.json";
    public const string TextureFile = "texture.png";
    public const string RenderFile = "render.png";
    public const string OverlayFile = "overlay.png";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes every artifact and returns their file names.</summary>
    public static IReadOnlyList<string> Write(ReconstructionResult result, string directory, string photoName)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        Atomic(directory, ParamsFile, path => File.WriteAllText(path, ToJson(result, photoName).ToJsonString(Json)), written);
        Atomic(directory, TextureFile, path => result.Texture.SaveAsPng(path), written);
        Atomic(directory, RenderFile, path => File.WriteAllBytes(path, result.RenderPng), written);
        Atomic(directory, OverlayFile, path => File.WriteAllBytes(path, result.OverlayPng), written);
        return written;
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
            ["critic"] = r.Critic,
            ["critic_description"] = r.CriticDescription,
            ["initialiser"] = r.Initialiser,
            ["device"] = r.Device,
            ["timings"] = new JsonObject(r.Timings.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(Math.Round(kv.Value, 3))))),
            ["loss_history"] = new JsonArray(r.LossHistory.Select(h =>
            {
                var entry = new JsonObject { ["stage"] = h.Stage };
                foreach (var (name, value) in h.Losses)
                {
                    entry[name] = value;
                }

                return (JsonNode)entry;
            }).ToArray()),
        };
    }

    internal static void Atomic(string directory, string name, Action<string> write, List<string> written)
    {
        var path = Path.Combine(directory, name);
        var temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp{Path.GetExtension(name)}");
        try
        {
            write(temporary);
            File.Move(temporary, path, overwrite: true);
            written.Add(name);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
