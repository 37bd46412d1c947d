using FaceClip.Core.IO;
using FaceClip.Core.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>
/// The paper's mapper: three transformer blocks over the subject's code and the prompt, giving an expression offset
/// Δw. Tokens: one per blendshape (its weight βᵢ times a learned direction plus a learned per-blendshape embedding),
/// one identity/appearance token (a linear map of the shape α and texture codes) and one prompt token (a linear map of
/// the prompt embedding: the embedded critic's target distribution or CLIP's text embedding), which also shifts
/// every blendshape token (a linear map of the prompt feature added to each). After the blocks a final
/// layer norm and a per-blendshape linear head (its own weights and bias for each blendshape, so the offsets are
/// optimised independently rather than all moved together) read Δwᵢ from each blendshape token. The head starts at zero (until <see cref="StartFrom"/> sets its bias), so an untrained mapper
/// leaves the face as it is. Saved and loaded as safetensors with the configuration in the metadata.
/// </summary>
public sealed class ExpressionMapper : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    public const string ConfigKey = "faceclip.expression_mapper";

    private readonly Parameter value_direction;
    private readonly Parameter value_embedding;
    private readonly Linear identity;
    private readonly Linear prompt;
    private readonly Parameter type_embedding;
    private readonly Linear prompt_shift;
    private readonly ModuleList<MapperBlock> blocks;
    private readonly LayerNorm ln_post;
    private readonly Parameter head_weight;
    private readonly Parameter head_bias;

    /// <summary>A new mapper whose initial weights are drawn from <paramref name="generator"/> (the same seed gives the
    /// same mapper); without one, from a generator seeded with 0 (a mapper about to be loaded from a file).</summary>
    public ExpressionMapper(ExpressionMapperConfig config, Generator? generator = null)
        : base(nameof(ExpressionMapper))
    {
        Config = config ?? throw new ArgumentNullException(nameof(config));
        var d = config.Width;
        value_direction = new Parameter(zeros(config.Expressions, d), requires_grad: true);
        value_embedding = new Parameter(zeros(config.Expressions, d), requires_grad: true);
        identity = nn.Linear(config.IdentityInputs, d);
        prompt = nn.Linear(config.PromptInputs, d);
        type_embedding = new Parameter(zeros(2, d), requires_grad: true);
        prompt_shift = nn.Linear(d, d);
        blocks = new ModuleList<MapperBlock>(Enumerable.Range(0, config.Blocks).Select(_ => new MapperBlock(d, config.Heads)).ToArray());
        ln_post = nn.LayerNorm(d);
        head_weight = new Parameter(zeros(config.Expressions, d), requires_grad: true);
        head_bias = new Parameter(zeros(config.Expressions), requires_grad: true);

        RegisterComponents();
        using var own = generator is null ? new Generator(0) : null;
        Initialise(generator ?? own!);
    }

    /// <summary>Draws the initial weights from <paramref name="generator"/> in the order and with the distributions
    /// the mapper's parts are built with (so a generator seeded with s gives the mapper that building it after
    /// <c>manual_seed(s)</c> gave): the blendshape directions and embeddings N(0, 0.5²) and N(0, 0.1²), the identity
    /// and prompt maps, the type embeddings N(0, 0.1²), the prompt shift, then each block's layers; the layer norms
    /// start at (1, 0) and the head at zero.</summary>
    private void Initialise(Generator g)
    {
        using var noGrad = no_grad();
        value_direction.copy_(SeededInit.Normal(g, value_direction.shape) * 0.5);
        value_embedding.copy_(SeededInit.Normal(g, value_embedding.shape) * 0.1);
        SeededInit.LinearAsBuilt(identity, g);
        SeededInit.LinearAsBuilt(prompt, g);
        type_embedding.copy_(SeededInit.Normal(g, type_embedding.shape) * 0.1);
        SeededInit.LinearAsBuilt(prompt_shift, g);
        foreach (var block in blocks)
        {
            foreach (var layer in block.Linears)
            {
                SeededInit.LinearAsBuilt(layer, g);
            }
        }
    }

    public ExpressionMapperConfig Config { get; }

    /// <summary>Δw [B, E] for blendshape weights β [B, E], identity inputs [B, I] and prompt embeddings [B, P].</summary>
    public override Tensor forward(Tensor expression, Tensor identityInputs, Tensor promptEmbedding)
    {
        using var scope = NewDisposeScope();
        var e = Config.Expressions;
        var blend = (expression.unsqueeze(2) * value_direction.unsqueeze(0)) + value_embedding.unsqueeze(0);
        var id = (identity.forward(identityInputs) + type_embedding[0]).unsqueeze(1);
        var promptFeature = prompt.forward(promptEmbedding);
        var text = (promptFeature + type_embedding[1]).unsqueeze(1);

        // The prompt also shifts every blendshape token (so each offset depends on it directly, not only through attention).
        blend = blend + prompt_shift.forward(promptFeature).unsqueeze(1);
        var x = cat([blend, id, text], 1);
        foreach (var block in blocks)
        {
            x = block.forward(x);
        }

        var features = ln_post.forward(x.narrow(1, 0, e));
        return ((features * head_weight.unsqueeze(0)).sum(2) + head_bias).MoveToOuterDisposeScope();
    }

    /// <summary>Sets the head's bias to <paramref name="delta"/> [E], so that (with the head's weights still at zero) the
    /// mapper starts from that offset instead of no change.</summary>
    public void StartFrom(Tensor delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        using var noGrad = no_grad();
        head_bias.copy_(delta.reshape(head_bias.shape));
    }

    /// <summary>The per-blendshape output head (weights and biases).</summary>
    public IEnumerable<Parameter> HeadParameters() => [head_weight, head_bias];

    /// <summary>Everything but the head: embeddings and the transformer blocks.</summary>
    public IEnumerable<Parameter> BodyParameters() => parameters().Where(p => !ReferenceEquals(p, head_weight) && !ReferenceEquals(p, head_bias));

    /// <summary>Writes the weights and the configuration (safetensors).</summary>
    public void Save(string path)
    {
        var tensors = state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu());
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { [ConfigKey] = Config.ToJson() });
    }

    /// <summary>Reads a mapper written by <see cref="Save"/>.</summary>
    public static ExpressionMapper Load(string path, Device? device = null)
    {
        var tensors = SafeTensors.Load(path, out var metadata);
        try
        {
            if (!metadata.TryGetValue(ConfigKey, out var json))
            {
                throw new InvalidDataException($"'{path}' is not an expression mapper (its metadata has no {ConfigKey}).");
            }

            var mapper = new ExpressionMapper(ExpressionMapperConfig.FromJson(json));
            var expected = mapper.state_dict().Keys.Order(StringComparer.Ordinal).ToArray();
            var found = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
            if (!expected.SequenceEqual(found))
            {
                throw new InvalidDataException($"'{path}' does not hold this mapper's tensors (expected {string.Join(", ", expected)}).");
            }

            mapper.load_state_dict(tensors);
            if (device is not null)
            {
                mapper.to(device);
            }

            return mapper;
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            value_direction.Dispose();
            value_embedding.Dispose();
            identity.Dispose();
            prompt.Dispose();
            type_embedding.Dispose();
            prompt_shift.Dispose();
            blocks.Dispose();
            ln_post.Dispose();
            head_weight.Dispose();
            head_bias.Dispose();
        }

        base.Dispose(disposing);
    }
}
