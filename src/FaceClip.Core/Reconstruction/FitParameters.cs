using System.Text.Json;
using System.Text.Json.Serialization;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Rendering;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// The parameters document of a fit, <c>params.json</c> (<see cref="ReconstructionWriter.ParamsFile"/>): codes by
/// name, camera, crop, landmarks in photo pixels, quality, losses and timings. <see cref="ReconstructionWriter"/>
/// writes it (<see cref="From"/>, <see cref="ToJson"/>) and <see cref="Expression.TransferSubject"/> reads it
/// (<see cref="Read"/>, <see cref="ToCodes"/>). Only <see cref="Codes"/>, <see cref="Camera"/> and <see cref="Crop"/>
/// are needed to read a file back; everything else may be missing (files written before it was added).
/// </summary>
public sealed record FitParameters
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The face model the codes belong to.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; init; }

    /// <summary>The photo fitted.</summary>
    [JsonPropertyName("photo")]
    public FitParametersPhoto? Photo { get; init; }

    /// <summary>Which of the photo's faces (largest first).</summary>
    [JsonPropertyName("face_index")]
    public int FaceIndex { get; init; }

    /// <summary>How many faces the photo has.</summary>
    [JsonPropertyName("face_count")]
    public int FaceCount { get; init; }

    /// <summary>The detected face box: x, y, width, height in photo pixels.</summary>
    [JsonPropertyName("face_box")]
    public double[]? FaceBox { get; init; }

    /// <summary>The fitted codes.</summary>
    [JsonPropertyName("codes")]
    public FitParametersCodes? Codes { get; init; }

    /// <summary>What the pose and lighting codes mean.</summary>
    [JsonPropertyName("code_conventions")]
    public FitParametersConventions? CodeConventions { get; init; }

    /// <summary>The camera of the fit's crop.</summary>
    [JsonPropertyName("camera")]
    public FitParametersCamera? Camera { get; init; }

    /// <summary>The crop of the photo the fit worked on.</summary>
    [JsonPropertyName("crop")]
    public FitParametersCrop? Crop { get; init; }

    /// <summary>The fitted model's 68 landmarks in photo pixels, [x, y] each.</summary>
    [JsonPropertyName("landmarks2d")]
    public float[][]? Landmarks2d { get; init; }

    /// <summary>The detector's 68 landmarks in photo pixels, [x, y] each.</summary>
    [JsonPropertyName("detected_landmarks2d")]
    public float[][]? DetectedLandmarks2d { get; init; }

    /// <summary>The quality measures.</summary>
    [JsonPropertyName("quality")]
    public FitParametersQuality? Quality { get; init; }

    /// <summary>The detail pass's displacement map; null when it did not run (written as <c>null</c>).</summary>
    [JsonPropertyName("detail")]
    public FitParametersDetail? Detail { get; init; }

    /// <summary>The critic of the consistency loss (<c>clip</c> or <c>face</c>).</summary>
    [JsonPropertyName("critic")]
    public string? Critic { get; init; }

    /// <summary>The critic in words.</summary>
    [JsonPropertyName("critic_description")]
    public string? CriticDescription { get; init; }

    /// <summary>Where the fit started (<c>regressor</c> or <c>landmarks</c>; absent from files older than the regressor).</summary>
    [JsonPropertyName("initialiser")]
    public string? Initialiser { get; init; }

    /// <summary>The device the fit ran on.</summary>
    [JsonPropertyName("device")]
    public string? Device { get; init; }

    /// <summary>Seconds per stage and in total (rounded to milliseconds).</summary>
    [JsonPropertyName("timings")]
    public IReadOnlyDictionary<string, double>? Timings { get; init; }

    /// <summary>Per-iteration weighted loss terms.</summary>
    [JsonPropertyName("loss_history")]
    public IReadOnlyList<FitParametersLossEntry>? LossHistory { get; init; }

    /// <summary>The file this document was read from (for messages), or null; not written.</summary>
    [JsonIgnore]
    public string? Source { get; init; }

    /// <summary>The document of a fit of the photo <paramref name="photoName"/>.</summary>
    public static FitParameters From(ReconstructionResult result, string photoName)
    {
        ArgumentNullException.ThrowIfNull(result);
        var layout = result.Layout;
        float[] Part(int offset, int length) => result.Codes.AsSpan(offset, length).ToArray();
        static float[][] Points((float X, float Y)[] points) => points.Select(p => new[] { p.X, p.Y }).ToArray();
        var expression = new Dictionary<string, float>(layout.Expression);
        for (var i = 0; i < layout.Expression; i++)
        {
            expression[result.ExpressionNames[i]] = result.Codes[layout.ExpressionOffset + i];
        }

        return new FitParameters
        {
            Model = result.ModelId,
            Photo = new FitParametersPhoto { File = photoName, Width = result.PhotoWidth, Height = result.PhotoHeight },
            FaceIndex = result.FaceIndex,
            FaceCount = result.FaceCount,
            FaceBox = [result.FaceBox.X, result.FaceBox.Y, result.FaceBox.Width, result.FaceBox.Height],
            Codes = new FitParametersCodes
            {
                Shape = Part(layout.ShapeOffset, layout.Shape),
                Expression = expression,
                Texture = Part(layout.TextureOffset, layout.Texture),
                Rotation = Part(layout.RotationOffset, FaceCodeLayout.Rotation),
                Translation = Part(layout.TranslationOffset, FaceCodeLayout.Translation),
                Lighting = Part(layout.LightingOffset, FaceCodeLayout.Lighting),
            },
            CodeConventions = FitParametersConventions.Current,
            Camera = FitParametersCamera.From(result.Camera),
            Crop = FitParametersCrop.From(result.Crop),
            Landmarks2d = Points(result.Landmarks2d),
            DetectedLandmarks2d = Points(result.DetectedLandmarks2d),
            Quality = FitParametersQuality.From(result.Quality),
            Detail = result.Details is { } d ? FitParametersDetail.From(d, ReconstructionWriter.DisplacementFile) : null,
            Critic = result.Critic.Name(),
            CriticDescription = result.CriticDescription,
            Initialiser = result.Initialiser.Name(),
            Device = result.Device,
            Timings = result.Timings.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)),
            LossHistory = result.LossHistory.Select(h => new FitParametersLossEntry(h.Stage.Name(), h.Losses)).ToList(),
        };
    }

    /// <summary>The document as indented JSON, as written to params.json.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Indented);

    /// <summary>A document from JSON text (<paramref name="source"/> names it in messages).</summary>
    /// <exception cref="InvalidDataException">The text is not JSON, not an object, or has values of the wrong kind.</exception>
    public static FitParameters Parse(string json, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        FitParameters? parameters;
        try
        {
            parameters = JsonSerializer.Deserialize<FitParameters>(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{Name(source)} is not a readable params.json: {ex.Message}", ex);
        }

        return (parameters ?? throw new InvalidDataException($"{Name(source)} is empty (null).")) with { Source = source };
    }

    /// <summary>Reads the document in <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">See <see cref="Parse"/>.</exception>
    public static FitParameters Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Writes the document to <paramref name="path"/> (UTF-8, no byte-order mark).</summary>
    public void Write(string path) => File.WriteAllText(path, ToJson());

    /// <summary>The whole code vector [<paramref name="layout"/>.Total]; expression weights are looked up by name in
    /// the model's order (<paramref name="expressionNames"/>; names the file has beyond them are ignored).</summary>
    /// <exception cref="InvalidDataException">The codes are missing, a part has the wrong length, or a blendshape is missing.</exception>
    public float[] ToCodes(FaceCodeLayout layout, IReadOnlyList<string> expressionNames)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(expressionNames);
        var parts = Need(Codes, "codes");
        var codes = new float[layout.Total];
        void Put(string name, float[] values, int offset, int length)
        {
            if (values.Length != length)
            {
                throw new InvalidDataException($"{Name(Source)}: codes.{name} has {values.Length} values, expected {length}.");
            }

            values.CopyTo(codes, offset);
        }

        Put("shape", parts.Shape, layout.ShapeOffset, layout.Shape);
        Put("texture", parts.Texture, layout.TextureOffset, layout.Texture);
        Put("rotation", parts.Rotation, layout.RotationOffset, FaceCodeLayout.Rotation);
        Put("translation", parts.Translation, layout.TranslationOffset, FaceCodeLayout.Translation);
        Put("lighting", parts.Lighting, layout.LightingOffset, FaceCodeLayout.Lighting);
        for (var i = 0; i < layout.Expression; i++)
        {
            codes[layout.ExpressionOffset + i] = parts.Expression.TryGetValue(expressionNames[i], out var weight)
                ? weight
                : throw new InvalidDataException($"{Name(Source)}: codes.expression has no '{expressionNames[i]}'.");
        }

        return codes;
    }

    /// <summary>The fit's camera.</summary>
    /// <exception cref="InvalidDataException">The document has no camera.</exception>
    public PerspectiveCamera ToCamera() => Need(Camera, "camera").ToCamera();

    /// <summary>The fit's crop.</summary>
    /// <exception cref="InvalidDataException">The document has no crop.</exception>
    public FaceCrop ToCrop() => Need(Crop, "crop").ToCrop();

    private T Need<T>(T? part, string name)
        where T : class =>
        part ?? throw new InvalidDataException($"{Name(Source)} has no '{name}' (is it a params.json from faceclip reconstruct?).");

    private static string Name(string? source) => source is null ? "The document" : $"'{source}'";
}
