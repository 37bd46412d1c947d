namespace FaceClip.Core.Clip;

/// <summary>
/// The size of a CLIP model, as the reference <c>build_model</c> reads it off a state dict's tensor shapes.
/// A ViT has <see cref="VisionPatchSize"/> and one entry in <see cref="VisionLayers"/>; a ModifiedResNet has no patch
/// size and four stage depths. <see cref="Text"/> is null for an image tower alone.
/// </summary>
public sealed record ClipConfig(int EmbedDim, int ImageResolution, IReadOnlyList<int> VisionLayers, int VisionWidth, int? VisionPatchSize, ClipTextConfig? Text)
{
    public bool IsVisionTransformer => VisionPatchSize is not null;

    /// <summary>Heads of the image tower: width/64 for a ViT, width*32/64 for the ResNet's attention pool.</summary>
    public int VisionHeads => IsVisionTransformer ? VisionWidth / 64 is 0 ? 1 : VisionWidth / 64 : VisionWidth * 32 / 64;

    public static ClipConfig ViTB32 { get; } = new(512, 224, [12], 768, 32, ClipTextConfig.OpenAi(512));
    public static ClipConfig ViTB16 { get; } = new(512, 224, [12], 768, 16, ClipTextConfig.OpenAi(512));
    public static ClipConfig ViTL14 { get; } = new(768, 224, [24], 1024, 14, ClipTextConfig.OpenAi(768));
    public static ClipConfig ViTL14At336 { get; } = new(768, 336, [24], 1024, 14, ClipTextConfig.OpenAi(768));
    public static ClipConfig RN50 { get; } = new(1024, 224, [3, 4, 6, 3], 64, null, ClipTextConfig.OpenAi(512));
    public static ClipConfig RN101 { get; } = new(512, 224, [3, 4, 23, 3], 64, null, ClipTextConfig.OpenAi(512));
    public static ClipConfig RN50x4 { get; } = new(640, 288, [4, 6, 10, 6], 80, null, ClipTextConfig.OpenAi(640));
    public static ClipConfig RN50x16 { get; } = new(768, 384, [6, 8, 18, 8], 96, null, ClipTextConfig.OpenAi(768));
    public static ClipConfig RN50x64 { get; } = new(1024, 448, [3, 15, 36, 10], 128, null, ClipTextConfig.OpenAi(1024));

    /// <summary>A released model's configuration by OpenAI's name (<c>ViT-B/32</c>, <c>RN50x4</c>, ...).</summary>
    public static ClipConfig Named(string name) => name.Replace("-", string.Empty).Replace("/", string.Empty).ToUpperInvariant() switch
    {
        "VITB32" => ViTB32,
        "VITB16" => ViTB16,
        "VITL14" => ViTL14,
        "VITL14@336PX" or "VITL14@336" => ViTL14At336,
        "RN50" => RN50,
        "RN101" => RN101,
        "RN50X4" => RN50x4,
        "RN50X16" => RN50x16,
        "RN50X64" => RN50x64,
        _ => throw new ArgumentException($"Unknown CLIP model name '{name}'. Known: ViT-B/32, ViT-B/16, ViT-L/14, ViT-L/14@336px, RN50, RN101, RN50x4, RN50x16, RN50x64."),
    };

    /// <summary>Reads the configuration off tensor shapes (OpenAI key names), as the reference's <c>build_model</c>.</summary>
    /// <exception cref="InvalidDataException">The keys are not those of a CLIP model.</exception>
    public static ClipConfig FromShapes(IReadOnlyDictionary<string, long[]> shapes, string origin = "state dict")
    {
        long[] Shape(string key) => shapes.TryGetValue(key, out var s)
            ? s
            : throw new InvalidDataException($"{origin}: not a CLIP checkpoint (no '{key}').");

        int visionWidth;
        int[] visionLayers;
        int? patch;
        int resolution;
        int embedDim;
        if (shapes.ContainsKey("visual.proj"))
        {
            var conv = Shape("visual.conv1.weight");
            visionWidth = (int)conv[0];
            patch = (int)conv[^1];
            visionLayers = [shapes.Keys.Count(k => k.StartsWith("visual.", StringComparison.Ordinal) && k.EndsWith(".attn.in_proj_weight", StringComparison.Ordinal))];
            var grid = (int)Math.Round(Math.Sqrt(Shape("visual.positional_embedding")[0] - 1));
            resolution = patch.Value * grid;
            embedDim = (int)Shape("visual.proj")[1];
        }
        else if (shapes.ContainsKey("visual.layer1.0.conv1.weight"))
        {
            visionLayers = Enumerable.Range(1, 4)
                .Select(b => shapes.Keys.Where(k => k.StartsWith($"visual.layer{b}.", StringComparison.Ordinal)).Select(k => k.Split('.')[2]).Distinct().Count())
                .ToArray();
            visionWidth = (int)Shape("visual.layer1.0.conv1.weight")[0];
            patch = null;
            var outputWidth = (int)Math.Round(Math.Sqrt(Shape("visual.attnpool.positional_embedding")[0] - 1));
            resolution = outputWidth * 32;
            embedDim = (int)Shape("visual.attnpool.c_proj.weight")[0];
        }
        else
        {
            throw new InvalidDataException($"{origin}: not a CLIP checkpoint (neither 'visual.proj' of a ViT nor 'visual.layer1.0.conv1.weight' of a ModifiedResNet).");
        }

        ClipTextConfig? text = null;
        if (shapes.ContainsKey("token_embedding.weight"))
        {
            var width = (int)Shape("ln_final.weight")[0];
            text = new ClipTextConfig(
                (int)Shape("positional_embedding")[0],
                (int)Shape("token_embedding.weight")[0],
                width,
                Math.Max(1, width / 64),
                shapes.Keys.Where(k => k.StartsWith("transformer.resblocks.", StringComparison.Ordinal)).Select(k => k.Split('.')[2]).Distinct().Count());
            var textEmbed = (int)Shape("text_projection")[1];
            if (textEmbed != embedDim)
            {
                throw new InvalidDataException($"{origin}: the image tower embeds to {embedDim} but the text tower to {textEmbed}.");
            }
        }

        return new ClipConfig(embedDim, resolution, visionLayers, visionWidth, patch, text);
    }

    /// <summary>The number of trainable parameters (buffers such as BatchNorm statistics excluded), computed from the
    /// configuration without building the model.</summary>
    public long CountParameters() => CountVisionParameters() + CountTextParameters() + 1; // + logit_scale

    public long CountVisionParameters()
    {
        long w = VisionWidth;
        if (IsVisionTransformer)
        {
            long p = VisionPatchSize!.Value;
            long grid = ImageResolution / p;
            return (3 * w * p * p) + w + ((grid * grid + 1) * w) + (2 * w) + (VisionLayers[0] * BlockParameters(w)) + (2 * w) + (w * EmbedDim);
        }

        long half = w / 2;
        var total = (3 * half * 9) + (2 * half) + (half * half * 9) + (2 * half) + (half * w * 9) + (2 * w);
        var inplanes = w;
        for (var stage = 0; stage < 4; stage++)
        {
            var planes = w << stage;
            for (var block = 0; block < VisionLayers[stage]; block++)
            {
                var stride = block == 0 && stage > 0 ? 2 : 1;
                total += (inplanes * planes) + (2 * planes) + (planes * planes * 9) + (2 * planes) + (planes * planes * 4) + (8 * planes);
                if (stride > 1 || inplanes != planes * 4)
                {
                    total += (inplanes * planes * 4) + (8 * planes);
                }

                inplanes = planes * 4;
            }
        }

        long e = w * 32;
        long spatial = ImageResolution / 32;
        total += ((spatial * spatial + 1) * e) + (3 * ((e * e) + e)) + (e * EmbedDim) + EmbedDim;
        return total;
    }

    public long CountTextParameters()
    {
        if (Text is null)
        {
            return 0;
        }

        long w = Text.Width;
        return (Text.VocabSize * w) + (Text.ContextLength * w) + (Text.Layers * BlockParameters(w)) + (2 * w) + (w * EmbedDim);
    }

    public override string ToString() => string.Concat(
        $"{(IsVisionTransformer ? $"ViT (patch {VisionPatchSize}, {VisionLayers[0]} layers" : $"ModifiedResNet ({string.Join("-", VisionLayers)}")}, width {VisionWidth}), " +
        $"image {ImageResolution}, embed {EmbedDim}" + (Text is null ? ", image tower only" : $", text width {Text.Width} x {Text.Layers} layers, {Text.Heads} heads, context {Text.ContextLength}"));

    private static long BlockParameters(long w) => (12 * w * w) + (13 * w);
}
