using FaceClip.Core.Geometry;
using FaceClip.Core.IO;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// The paper's parameter regressor: a frozen pretrained trunk extracts coarse features c = R(I) (face-api's
/// face-recognition ResNet up to its 128 x 8 x 8 stage), a 1x1 convolution projects them to c', then two parallel
/// refinement branches — depthwise-separable residual blocks (local detail) and transformer encoders over the 64
/// spatial tokens (global semantics) — are pooled and concatenated, v = cat(T(c'), R(c')), and an MLP head maps v to
/// the codes: shape α, expression β (a sigmoid into [0, 1]), texture t, rotation, translation (an offset from a
/// stored typical placement) and SH lighting. With the branches off (the ablation) v is c' average-pooled.
/// Input: face crops [B, 3, H, W] in [0, 1] framed as <see cref="FaceCrop.Around"/> frames them; output [B, Total].
/// </summary>
public sealed class ParameterRegressor : nn.Module<Tensor, Tensor>
{
    /// <summary>The recognition feature map used as c (128 x 8 x 8 for the 150-pixel input).</summary>
    public const int TrunkStage = 3;

    private const int TrunkChannels = 128;
    private const int Tokens = 64;
    private const double ExpressionBias = -3.0;
    private const double TranslationScale = 10.0;

    private readonly FaceRecognitionNet[] trunk;
    private readonly Conv2d reduce;
    private readonly ModuleList<DepthwiseSeparableBlock> local = new();
    private readonly ModuleList<TransformerEncoderBlock> global = new();
    private readonly Parameter position;
    private readonly LayerNorm tokenNorm;
    private readonly Linear hidden;
    private readonly Linear head;
    private readonly Tensor translation_base;

    /// <summary>A new regressor over <paramref name="recognition"/>'s frozen trunk, its own initial weights drawn from
    /// <paramref name="generator"/> (the same seed gives the same network); without one, from a generator seeded
    /// with 0 (a regressor about to be loaded from a file).</summary>
    public ParameterRegressor(FaceRecognitionNet recognition, FaceCodeLayout layout, RegressorConfig? config = null, Generator? generator = null)
        : base(nameof(ParameterRegressor))
    {
        ArgumentNullException.ThrowIfNull(recognition);
        Config = config ?? new RegressorConfig();
        Config.Validate();
        Layout = layout ?? throw new ArgumentNullException(nameof(layout));
        trunk = [recognition]; // held in an array so it is not registered (its weights are frozen and not saved)
        var width = Config.Width;
        reduce = nn.Conv2d(TrunkChannels, width, 1);
        for (var i = 0; i < Config.ResidualBlocks && Config.RefinementBranches; i++)
        {
            local.Add(new DepthwiseSeparableBlock($"local{i}", width));
        }

        for (var i = 0; i < Config.TransformerLayers && Config.RefinementBranches; i++)
        {
            global.Add(new TransformerEncoderBlock($"global{i}", width, Config.Heads));
        }

        position = new Parameter(zeros(1, Tokens, width).DetachFromDisposeScope());
        tokenNorm = nn.LayerNorm(width);
        var features = Config.RefinementBranches ? width * 2 : width;
        hidden = nn.Linear(features, Config.HeadHidden);
        head = nn.Linear(Config.HeadHidden, layout.Total);
        translation_base = zeros(3).DetachFromDisposeScope();
        RegisterComponents();
        using var own = generator is null ? new Generator(0) : null;
        var g = generator ?? own!;
        SeededInit.Reset(this, g); // the registered layers only: the trunk is not registered
        using (no_grad())
        {
            // Start near the fitter's cold start (zero codes, typical placement) so training begins from a sane render.
            position.copy_(SeededInit.Normal(g, position.shape) * 0.02);
            head.weight!.copy_(SeededInit.Normal(g, head.weight!.shape) * 1e-3);
            head.bias!.zero_();
        }
    }

    public RegressorConfig Config { get; }

    public FaceCodeLayout Layout { get; }

    /// <summary>The typical translation the predicted one is an offset from (the trainer sets it from the data).</summary>
    public Tensor TranslationBase => translation_base;

    public void SetTranslationBase(Tensor translation)
    {
        using var noGrad = no_grad();
        translation_base.copy_(translation.reshape(3));
    }

    /// <summary>The frozen coarse features c = R(I), [B, 128, 8, 8] (no gradient).</summary>
    public Tensor Coarse(Tensor images01)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (_, features) = trunk[0].ForwardWithFeatures(images01);
        return features[TrunkStage].detach().MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor images01) => Predict(Coarse(images01));

    /// <summary>Codes [B, Total] from coarse features c.</summary>
    public Tensor Predict(Tensor coarse) => Decode(head.forward(nn.functional.gelu(hidden.forward(Refine(coarse)))));

    /// <summary>v: cat(T(c'), R(c')) pooled, [B, 2·Width]; with the branches off, c' pooled, [B, Width].</summary>
    public Tensor Refine(Tensor coarse)
    {
        var projected = nn.functional.gelu(reduce.forward(coarse));
        if (!Config.RefinementBranches)
        {
            return projected.mean([2, 3]);
        }

        var r = projected;
        foreach (var block in local)
        {
            r = block.forward(r);
        }

        var t = projected.flatten(2).transpose(1, 2) + position;
        foreach (var block in global)
        {
            t = block.forward(t);
        }

        return cat([tokenNorm.forward(t).mean([1]), r.mean([2, 3])], 1);
    }

    private Tensor Decode(Tensor raw)
    {
        var l = Layout;
        var expression = (raw.narrow(1, l.ExpressionOffset, l.Expression) + ExpressionBias).sigmoid();
        var translation = translation_base.unsqueeze(0) + (raw.narrow(1, l.TranslationOffset, FaceCodeLayout.Translation) * TranslationScale);
        return cat([
            raw.narrow(1, l.ShapeOffset, l.Shape),
            expression,
            raw.narrow(1, l.TextureOffset, l.Texture),
            raw.narrow(1, l.RotationOffset, FaceCodeLayout.Rotation),
            translation,
            raw.narrow(1, l.LightingOffset, FaceCodeLayout.Lighting),
        ], 1);
    }

    /// <summary>Trainable parameter count.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Writes the weights (not the frozen trunk) and the configuration as safetensors.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var scope = NewDisposeScope();
        var tensors = state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["format"] = "faceclip-regressor",
            ["config"] = Config.ToJson(),
            ["layout"] = $"{Layout.Shape},{Layout.Expression},{Layout.Texture}",
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = path + ".tmp";
        SafeTensors.Save(temporary, tensors, meta);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads weights written by <see cref="Save"/>; the layout must match the face model's.</summary>
    public static ParameterRegressor Load(string path, FaceRecognitionNet recognition, FaceCodeLayout layout, Device? device = null) =>
        Load(path, recognition, layout, out _, device);

    public static ParameterRegressor Load(string path, FaceRecognitionNet recognition, FaceCodeLayout layout, out IReadOnlyDictionary<string, string> metadata, Device? device = null)
    {
        var tensors = SafeTensors.Load(path, out metadata);
        try
        {
            var regressor = new ParameterRegressor(recognition, layout, RegressorConfig.FromJson(ConfigOf(path, metadata, layout)));
            try
            {
                regressor.Fill(tensors, path);
            }
            catch
            {
                regressor.Dispose();
                throw;
            }

            if (device is not null)
            {
                regressor.to(device);
            }

            return regressor;
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Reads weights written by <see cref="Save"/> into this regressor (the same configuration), e.g. to
    /// resume training; returns the file's metadata.</summary>
    public IReadOnlyDictionary<string, string> LoadWeights(string path)
    {
        var tensors = SafeTensors.Load(path, out var metadata);
        try
        {
            if (ConfigOf(path, metadata, Layout) != Config.ToJson())
            {
                throw new InvalidDataException($"{path} holds a regressor of another configuration ({metadata["config"]}; this one is {Config.ToJson()}).");
            }

            Fill(tensors, path);
            return metadata;
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>The configuration JSON of a weights file, after checking it is one and fits <paramref name="layout"/>.</summary>
    private static string ConfigOf(string path, IReadOnlyDictionary<string, string> metadata, FaceCodeLayout layout)
    {
        if (!metadata.TryGetValue("format", out var format) || format != "faceclip-regressor" || !metadata.TryGetValue("config", out var json))
        {
            throw new InvalidDataException($"{path} is not a FaceClip regressor weights file.");
        }

        var expected = $"{layout.Shape},{layout.Expression},{layout.Texture}";
        if (metadata.TryGetValue("layout", out var stored) && stored != expected)
        {
            throw new InvalidDataException($"{path} predicts codes of layout {stored}; the face model has {expected}.");
        }

        return json;
    }

    private void Fill(Dictionary<string, Tensor> tensors, string path)
    {
        var (missing, unexpected) = load_state_dict(tensors, strict: false);
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new InvalidDataException($"{path} does not match the regressor: missing {string.Join(", ", missing)}; unexpected {string.Join(", ", unexpected)}.");
        }
    }
}
