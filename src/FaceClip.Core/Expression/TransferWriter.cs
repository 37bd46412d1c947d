using System.Text.Json;
using System.Text.Json.Nodes;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>
/// Writes a transfer to a folder: <c>transfer.json</c> (summary) and one subfolder per prompt (its slug) with the
/// same mesh set as a reconstruction, in the new expression: <c>mesh.obj</c> (+ .mtl, <c>texture.png</c>, and all
/// three in <c>mesh-obj.zip</c>), <c>mesh.ply</c>, <c>mesh.glb</c> (identity mesh with the 53 blendshapes as morph
/// targets, weights set to the new expression and an animation from the subject's own expression to the new one and
/// back); plus <c>render.png</c>, <c>composite.png</c>, <c>overlay.png</c> (with a photo), <c>codes.json</c> and
/// <c>losses.json</c>.
/// </summary>
public static class TransferWriter
{
    public const string SummaryFile = "transfer.json";
    public const string CodesFile = "codes.json";
    public const string LossesFile = "losses.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes everything; returns the written paths relative to <paramref name="directory"/>.</summary>
    /// <param name="subjectMesh">The subject's identity mesh with the expression blendshapes as morph targets and its
    /// texture (a reconstruction's <see cref="ReconstructionResult.Mesh"/>, whose texture is baked from the photo);
    /// when null it is built from the subject's codes, with the subject's texture when it has one (a reconstruction's, or
    /// texture.png beside a params.json), else with the model's albedo baked into the texture.</param>
    public static IReadOnlyList<string> Write(TransferResult result, FaceModel model, string directory, int textureSize = 256,
        bool meshes = true, ExportMesh? subjectMesh = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        var names = model.Data.ExpressionNames;
        ExportMesh? identityMesh = subjectMesh;
        if (meshes && identityMesh is null)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var layout = result.Layout;
            var shape = tensor(result.Subject.Codes.AsSpan(layout.ShapeOffset, layout.Shape).ToArray(), device: model.Device).view(1, -1);
            var texture = tensor(result.Subject.Codes.AsSpan(layout.TextureOffset, layout.Texture).ToArray(), device: model.Device).view(1, -1);
            var albedo = model.ComputeAlbedo(texture).clamp(0, 1);
            identityMesh = FaceMeshExport.Create(model, model.ComputeShape(shape, zeros(1, layout.Expression, device: model.Device)), albedo, textureSize: textureSize);
            if (result.Subject.Texture is { } photoTexture)
            {
                // The subject's own texture (baked from the photo, in the same atlas layout) rather than the model's albedo.
                identityMesh.Texture?.Dispose();
                identityMesh = identityMesh with { Texture = photoTexture.Clone() };
            }
        }

        try
        {
            WritePrompts(result, directory, meshes ? identityMesh : null, names, written);
        }
        finally
        {
            if (subjectMesh is null)
            {
                identityMesh?.Texture?.Dispose();
            }
        }

        written.AddRange(ReconstructionWriter.Staged(directory, folder =>
        {
            File.WriteAllText(Path.Combine(folder, SummaryFile), Summary(result).ToJsonString(Json));
            File.WriteAllBytes(Path.Combine(folder, "source.png"), result.SourceRenderPng);
        }));
        return written;
    }

    private static void WritePrompts(TransferResult result, string directory, ExportMesh? identityMesh, IReadOnlyList<string> names, List<string> written)
    {
        foreach (var p in result.Prompts)
        {
            var files = ReconstructionWriter.Staged(Path.Combine(directory, p.Slug), folder =>
            {
                if (identityMesh is not null)
                {
                    var animation = MorphKeyframe.Between(result.Subject.Expression, p.Expression, 1.0f, andBack: true);
                    ReconstructionWriter.WriteMeshes(identityMesh, p.Expression, folder, animation, "expression");
                }

                File.WriteAllBytes(Path.Combine(folder, "render.png"), p.RenderPng);
                File.WriteAllBytes(Path.Combine(folder, "composite.png"), p.CompositePng);
                if (p.OverlayPng is not null)
                {
                    File.WriteAllBytes(Path.Combine(folder, "overlay.png"), p.OverlayPng);
                }

                File.WriteAllText(Path.Combine(folder, CodesFile), CodesJson(result, p, names).ToJsonString(Json));
                File.WriteAllText(Path.Combine(folder, LossesFile), new JsonArray(p.LossHistory.Select((h, i) =>
                {
                    var entry = new JsonObject { ["iteration"] = i + 1 };
                    foreach (var (name, value) in h)
                    {
                        entry[name] = value;
                    }

                    return (JsonNode)entry;
                }).ToArray()).ToJsonString(Json));
            });
            written.AddRange(files.Select(f => $"{p.Slug}/{f}"));
        }
    }

    /// <summary>Whether the expression net's top class on the final render is the prompt's dominant class.</summary>
    public static bool Succeeded(PromptTransfer p, bool heldOut = false) =>
        p.Target is not null && new FaceExpressions(heldOut ? p.HeldOutProbabilities : p.Probabilities).Dominant == p.Target.Dominant;

    public static JsonObject Summary(TransferResult r) => new()
    {
        ["critic"] = r.Critic.Name(),
        ["critic_description"] = r.CriticDescription,
        ["device"] = r.Device,
        ["photo"] = r.Subject.PhotoName,
        ["iterations"] = r.Iterations,
        ["skipped_steps"] = r.SkippedSteps,
        ["mapper"] = JsonNode.Parse(r.Mappers[0].Config.ToJson()),
        ["source_probabilities"] = Probabilities(r.SourceProbabilities),
        ["timings"] = new JsonObject(r.Timings.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(Math.Round(kv.Value, 3))))),
        ["prompts"] = new JsonArray(r.Prompts.Select(p => (JsonNode)new JsonObject
        {
            ["prompt"] = p.Prompt,
            ["folder"] = p.Slug,
            ["target"] = p.Target?.Dominant,
            ["top_class"] = new FaceExpressions(p.Probabilities).Dominant,
            ["held_out_top_class"] = new FaceExpressions(p.HeldOutProbabilities).Dominant,
            ["identity_distance"] = p.IdentityDistance,
            ["mean_abs_delta"] = p.MeanAbsoluteDelta,
        }).ToArray()),
    };

    public static JsonObject CodesJson(TransferResult r, PromptTransfer p, IReadOnlyList<string> names)
    {
        var layout = r.Layout;
        JsonArray Floats(int offset, int length) => new(p.Codes.AsSpan(offset, length).ToArray().Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
        JsonObject ByName(float[] values) => new(names.Select((n, i) => KeyValuePair.Create(n, (JsonNode?)JsonValue.Create(values[i]))));
        var json = new JsonObject
        {
            ["model"] = "ict-facekit",
            ["prompt"] = p.Prompt,
            ["critic"] = r.Critic.Name(),
            ["critic_description"] = r.CriticDescription,
            ["photo"] = new JsonObject { ["file"] = r.Subject.PhotoName },
            ["codes"] = new JsonObject
            {
                ["shape"] = Floats(layout.ShapeOffset, layout.Shape),
                ["expression"] = ByName(p.Expression),
                ["texture"] = Floats(layout.TextureOffset, layout.Texture),
                ["rotation"] = Floats(layout.RotationOffset, 3),
                ["translation"] = Floats(layout.TranslationOffset, 3),
                ["lighting"] = Floats(layout.LightingOffset, 27),
            },
            ["source_expression"] = ByName(r.Subject.Expression),
            ["delta"] = ByName(p.Delta),
            ["mean_abs_delta"] = p.MeanAbsoluteDelta,
            ["probabilities"] = Probabilities(p.Probabilities),
            ["held_out_probabilities"] = Probabilities(p.HeldOutProbabilities),
            ["identity_distance"] = p.IdentityDistance,
            ["camera"] = new JsonObject
            {
                ["width"] = r.Subject.Camera.Width,
                ["height"] = r.Subject.Camera.Height,
                ["focal"] = r.Subject.Camera.Focal,
                ["cx"] = r.Subject.Camera.CenterX,
                ["cy"] = r.Subject.Camera.CenterY,
                ["distance"] = r.Subject.Camera.Distance,
            },
            ["crop"] = new JsonObject { ["left"] = r.Subject.Crop.Left, ["top"] = r.Subject.Crop.Top, ["side"] = r.Subject.Crop.Side, ["size"] = r.Subject.Crop.Size },
        };
        if (p.Target is { } t)
        {
            json["target"] = new JsonObject
            {
                ["dominant"] = t.Dominant,
                ["probabilities"] = Probabilities(t.Probabilities),
                ["intensity"] = t.Intensity,
                ["symmetric"] = t.Symmetric,
                ["judgedByCritic"] = t.JudgedByCritic,
                ["actions"] = new JsonObject(t.Actions.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(Math.Round(a.Value, 4))))),
                ["relaxed"] = new JsonArray(t.Relaxed.Select(u => (JsonNode)JsonValue.Create(u)!).ToArray()),
                ["reading"] = t.Describe(),
                ["understood"] = new JsonArray(t.Understood.Select(u => (JsonNode)JsonValue.Create(u)!).ToArray()),
                ["ignored"] = new JsonArray(t.Ignored.Select(u => (JsonNode)JsonValue.Create(u)!).ToArray()),
            };
        }

        return json;
    }

    private static JsonObject Probabilities(IReadOnlyList<float> values) =>
        new(FaceExpressions.Names.Select((n, i) => KeyValuePair.Create(n, (JsonNode?)JsonValue.Create(Math.Round(values[i], 4)))));
}
