using System.Text.Json;
using System.Text.Json.Nodes;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;

namespace FaceClip.Core.Tests.Reconstruction;

/// <summary>params.json as FaceClip wrote it before <see cref="FitParameters"/>: a verbatim copy of the former
/// <c>ReconstructionWriter.ToJson</c> (a JsonObject built by hand), kept to check that the typed document writes the
/// same bytes and reads the files written before it.</summary>
internal static class LegacyParamsJson
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string Write(ReconstructionResult result, string photoName) => ToJson(result, photoName).ToJsonString(Json);

    /// <summary>The parameters document: codes by name, camera, crop, landmarks in photo pixels, losses, timings.</summary>
    private static JsonObject ToJson(ReconstructionResult r, string photoName)
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
                ["file"] = ReconstructionWriter.DisplacementFile,
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
