using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>
/// OpenAI's CLIP (<c>clip/model.py</c>): an image tower (<see cref="VisionTransformer"/> or
/// <see cref="ModifiedResNet"/>), a causal text transformer, projections and the logit scale, with the reference's
/// state-dict names. A model made from an image tower's weights alone has no text tower (<see cref="HasText"/>).
/// </summary>
public sealed class ClipModel : nn.Module
{
    private static readonly HashSet<string> IgnoredKeys = ["input_resolution", "context_length", "vocab_size"];

    private readonly ClipImageEncoder visual;
    private readonly ClipTransformer? transformer;
    private readonly Embedding? token_embedding;
    private readonly Parameter? positional_embedding;
    private readonly ClipLayerNorm? ln_final;
    private readonly Parameter? text_projection;
    private readonly Parameter logit_scale;

    /// <summary>Builds a randomly initialised model of the given size (on the CPU, in eval mode).</summary>
    public ClipModel(ClipConfig config) : this(config, initialize: true)
    {
    }

    private ClipModel(ClipConfig config, bool initialize) : base("CLIP")
    {
        Config = config;
        visual = config.IsVisionTransformer
            ? new VisionTransformer(config.ImageResolution, config.VisionPatchSize!.Value, config.VisionWidth, config.VisionLayers[0], config.VisionHeads, config.EmbedDim)
            : new ModifiedResNet(config.VisionLayers, config.EmbedDim, config.VisionHeads, config.ImageResolution, config.VisionWidth);
        if (config.Text is { } text)
        {
            transformer = new ClipTransformer(text.Width, text.Layers, text.Heads);
            token_embedding = nn.Embedding(text.VocabSize, text.Width);
            positional_embedding = new Parameter(empty(text.ContextLength, text.Width));
            ln_final = new ClipLayerNorm(text.Width);
            text_projection = new Parameter(empty(text.Width, config.EmbedDim));
            if (initialize)
            {
                using var noGrad = no_grad();
                nn.init.normal_(token_embedding.weight!, std: 0.02);
                nn.init.normal_(positional_embedding, std: 0.01);
                nn.init.normal_(text_projection, std: Math.Pow(text.Width, -0.5));
            }
        }

        logit_scale = new Parameter(tensor((float)Math.Log(1 / 0.07)));
        RegisterComponents();
        eval();
    }

    public ClipConfig Config { get; }

    /// <summary>The image tower (its input is CLIP-normalised images at <see cref="ClipImageEncoder.InputResolution"/>).</summary>
    public ClipImageEncoder Visual => visual;

    /// <summary>Whether the model has a text tower (a visual-only state dict gives none).</summary>
    public bool HasText => transformer is not null;

    public int ImageResolution => visual.InputResolution;

    public int ContextLength => Config.Text?.ContextLength ?? ClipTokenizer.DefaultContextLength;

    /// <summary>The learned temperature, <c>exp(logit_scale)</c>.</summary>
    public Tensor LogitScale => logit_scale;

    /// <summary>Makes a model from a state dict (OpenAI names; see <see cref="ClipStateDict.Normalize"/> for others),
    /// its size read off the tensor shapes. fp16/bf16/fp64 weights are converted to float32.</summary>
    public static ClipModel FromStateDict(IReadOnlyDictionary<string, Tensor> stateDict, string origin = "state dict")
    {
        var normalized = ClipStateDict.Normalize(stateDict);
        var config = ClipConfig.FromShapes(normalized.ToDictionary(kv => kv.Key, kv => kv.Value.shape), origin);
        var model = new ClipModel(config);
        try
        {
            model.LoadWeights(normalized, origin);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            var originals = new HashSet<Tensor>(stateDict.Values, ReferenceEqualityComparer.Instance);
            foreach (var converted in normalized.Values.Where(t => !originals.Contains(t)))
            {
                converted.Dispose(); // float32 copies of fp16 weights, already copied into the model
            }
        }

        return model;
    }

    /// <summary>Copies weights into this model. Every parameter and buffer must be present with its shape; keys the
    /// model does not have are refused (except the reference's <c>input_resolution</c>, <c>context_length</c>,
    /// <c>vocab_size</c>, and <c>logit_scale</c>, which an image tower alone may lack).</summary>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> stateDict, string origin = "state dict")
    {
        var own = state_dict();
        var missing = new List<string>();
        var badShape = new List<string>();
        using (no_grad())
        {
            foreach (var (key, target) in own)
            {
                if (!stateDict.TryGetValue(key, out var source))
                {
                    if (key != "logit_scale" && !key.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
                    {
                        missing.Add(key);
                    }

                    continue;
                }

                if (!source.shape.SequenceEqual(target.shape))
                {
                    badShape.Add($"{key} [{string.Join(",", source.shape)}] vs [{string.Join(",", target.shape)}]");
                    continue;
                }

                target.copy_(source);
            }
        }

        var unexpected = stateDict.Keys
            .Where(k => !own.ContainsKey(k) && !IgnoredKeys.Contains(k) && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)
                        && !k.EndsWith(".attn_mask", StringComparison.Ordinal)) // a constant some TorchScript archives keep as an attribute
            .ToList();
        if (missing.Count > 0 || badShape.Count > 0 || unexpected.Count > 0)
        {
            static string List(List<string> keys) => string.Join(", ", keys.Take(5)) + (keys.Count > 5 ? $" and {keys.Count - 5} more" : string.Empty);
            var problems = new List<string>();
            if (missing.Count > 0)
            {
                problems.Add($"missing {missing.Count} tensor(s): {List(missing)}");
            }

            if (badShape.Count > 0)
            {
                problems.Add($"wrong shapes: {List(badShape)}");
            }

            if (unexpected.Count > 0)
            {
                problems.Add($"unexpected {unexpected.Count} tensor(s): {List(unexpected)}");
            }

            throw new InvalidDataException($"{origin}: the weights do not fit a CLIP model {Config}: {string.Join("; ", problems)}.");
        }
    }

    /// <summary>Turns off gradients for every weight (gradients still flow to the inputs).</summary>
    public ClipModel Freeze()
    {
        foreach (var p in parameters())
        {
            p.requires_grad = false;
        }

        return this;
    }

    /// <summary>Image embeddings (not normalised) of CLIP-normalised images [N, 3, R, R].</summary>
    public Tensor EncodeImage(Tensor normalizedImages) => visual.forward(normalizedImages);

    /// <summary>Image embeddings of images in [0, 1] of any size: differentiable resize to the model's resolution and
    /// CLIP normalisation (<see cref="ClipPreprocess.PrepareTensor"/>), then the image tower.</summary>
    public Tensor EncodeImage01(Tensor images01)
    {
        using var scope = NewDisposeScope();
        return visual.forward(ClipPreprocess.PrepareTensor(images01, ImageResolution)).MoveToOuterDisposeScope();
    }

    /// <summary>Every stage of a ModifiedResNet image tower for CLIP-normalised images.</summary>
    /// <exception cref="InvalidOperationException">The image tower is a ViT.</exception>
    public ModifiedResNetFeatures EncodeImageFeatures(Tensor normalizedImages, int lastLayer = 5) => visual is ModifiedResNet rn
        ? rn.ForwardFeatures(normalizedImages, lastLayer)
        : throw new InvalidOperationException("Layer outputs are only available for a ModifiedResNet (RN50, RN50x4, ...) image tower, not a ViT.");

    /// <summary>Every stage of a ModifiedResNet image tower for images in [0, 1] of any size (resized and normalised
    /// differentiably first).</summary>
    public ModifiedResNetFeatures EncodeImageFeatures01(Tensor images01, int lastLayer = 5)
    {
        using var scope = NewDisposeScope();
        var features = EncodeImageFeatures(ClipPreprocess.PrepareTensor(images01, ImageResolution), lastLayer);
        foreach (var t in new[] { features.Stem, features.Layer1, features.Layer2, features.Layer3, features.Layer4, features.Pooled })
        {
            t.MoveToOuterDisposeScope();
        }

        return features;
    }

    /// <summary>Text embeddings (not normalised) of token ids [N, context] (<see cref="ClipTokenizer.Tokenize"/>):
    /// the final-layer feature at the end token (the largest id in each row) through the text projection.</summary>
    public Tensor EncodeText(Tensor tokens)
    {
        if (!HasText)
        {
            throw new InvalidOperationException("This CLIP model was loaded from an image tower alone and has no text encoder.");
        }

        using var scope = NewDisposeScope();
        var device = positional_embedding!.device;
        tokens = tokens.to(device);
        var length = tokens.shape[1];
        if (length > positional_embedding.shape[0])
        {
            throw new ArgumentException($"Token rows are {length} long but the model's context is {positional_embedding.shape[0]}.");
        }

        var x = token_embedding!.forward(tokens) + positional_embedding[..(int)length];
        var mask = full(length, length, float.NegativeInfinity, device: device).triu_(1);
        x = transformer!.forward(x, mask);
        x = ln_final!.forward(x);
        var eot = tokens.argmax(-1);
        x = x[arange(x.shape[0], device: device), eot];
        return x.matmul(text_projection!).MoveToOuterDisposeScope();
    }

    /// <summary>The reference's <c>forward</c>: scaled cosine similarities (logits per image [N, T], per text [T, N]).</summary>
    public (Tensor LogitsPerImage, Tensor LogitsPerText) Forward(Tensor normalizedImages, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var image = nn.functional.normalize(EncodeImage(normalizedImages), dim: 1);
        var text = nn.functional.normalize(EncodeText(tokens), dim: 1);
        var perImage = logit_scale.exp() * image.matmul(text.t());
        var perText = perImage.t();
        return (perImage.MoveToOuterDisposeScope(), perText.MoveToOuterDisposeScope());
    }

    /// <summary>Builds the model on PyTorch's <c>meta</c> device (shapes only, no memory for values) and counts its
    /// parameters: the whole model and the image tower. LibTorch's default device is process-wide, so this must
    /// not run while other threads create tensors (use <see cref="ClipConfig.CountParameters"/> there).</summary>
    public static long CountParametersOnMeta(ClipConfig config, out long visual)
    {
        lock (MetaGate)
        {
            var previous = get_default_device();
            set_default_device(META);
            try
            {
                using var model = new ClipModel(config, initialize: false);
                visual = model.Visual.parameters().Sum(p => p.numel());
                return model.CountAllocatedParameters();
            }
            finally
            {
                set_default_device(previous);
            }
        }
    }

    private static readonly Lock MetaGate = new();

    /// <summary>The number of parameter values actually allocated (compare <see cref="ClipConfig.CountParameters"/>).</summary>
    public long CountAllocatedParameters() => parameters().Sum(p => p.numel());
}
