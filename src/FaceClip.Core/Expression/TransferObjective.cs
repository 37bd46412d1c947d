using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>
/// The transfer's objective for one subject and K prompts, each through its own mapper: the new weights
/// β' = clamp(β + Δβ·free, 0, 1) rendered from <see cref="TransferOptions.Views"/> random views and scored by the
/// critic (averaged over the views), plus the regulariser — Σ Δβ², sparsity (its costs from the critic's
/// <see cref="ExpressionPrior"/>), left/right symmetry of β' unless the prompt is one-sided, the range of β + Δβ, the
/// critic's prototype and antagonist terms, and the identity hinge (StyleCLIP's L_ID). Each term is one small
/// function; <see cref="Step"/> adds them. Every tensor it builds lives in the caller's dispose scope.
/// </summary>
internal sealed class TransferObjective
{
    private readonly ExpressionTransfer _owner;
    private readonly TransferOptions _o;
    private readonly IExpressionCritic _critic;
    private readonly IReadOnlyList<ExpressionMapper> _mappers;
    private readonly TransferScene _scene;
    private readonly Tensor _prompt;
    private readonly Tensor _identityInputs;
    private readonly Tensor _free;
    private readonly Tensor _criticScale;
    private readonly Tensor _symmetric;
    private readonly Tensor _raiseCost;
    private readonly Tensor _relaxCost;
    private readonly Tensor _prototypeMask;
    private readonly Tensor _prototypeLevels;
    private readonly Tensor _antagonism;
    private readonly Tensor _left;
    private readonly Tensor _right;
    private readonly Tensor? _reference;
    private readonly Generator _views;
    private readonly int _count;

    public TransferObjective(ExpressionTransfer owner, TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions o, IExpressionCritic critic,
        Tensor embeddings, IReadOnlyList<ExpressionMapper> mappers, Generator views)
    {
        (_owner, _o, _critic, _mappers, _views) = (owner, o, critic, mappers, views);
        var model = owner.Model;
        var device = model.Device;
        _count = prompts.Count;
        _scene = new TransferScene(owner, subject, _count * o.Views);
        _prompt = embeddings.to(device);
        _identityInputs = cat([_scene.Shape, _scene.TextureCodes], 1).expand(_count, -1);
        Beta = _scene.Beta.expand(_count, -1);
        var names = model.Data.ExpressionNames;
        var priors = critic.Priors(names, o);
        Tensor PerPrompt(Func<ExpressionPrior, IEnumerable<float>> row) => tensor(priors.SelectMany(row).ToArray(), device: device).view(_count, names.Length);
        _symmetric = tensor(priors.Select(p => p.Symmetric ? 1f : 0f).ToArray(), device: device);

        // Gaze moves only for a prompt that asks it to (look aside); sideways jaw and mouth shifts only for one-sided prompts.
        var lateral = tensor(owner.Lateral, device: device).view(1, -1);
        var freed = PerPrompt(p => p.Freed ?? new float[names.Length]);
        _free = maximum(tensor(owner.Free, device: device).view(1, -1), freed) * (lateral + ((1 - lateral) * (1 - _symmetric.view(-1, 1))));
        _criticScale = tensor(priors.Select(p => p.CriticScale).ToArray(), device: device);
        _raiseCost = PerPrompt(p => p.RaiseCost);
        _relaxCost = tensor(priors.Select(p => p.RelaxCost).ToArray(), device: device).view(-1, 1);
        _prototypeMask = PerPrompt(p => p.Relevance) * _free;
        _prototypeLevels = PerPrompt(p => p.Levels);
        _antagonism = PerPrompt(p => p.Antagonism) * _free;
        WarmStarts = priors.Select(p => p.WarmStart).ToArray();
        _left = tensor(owner.LeftOfPairs, device: device);
        _right = tensor(owner.RightOfPairs, device: device);

        // The identity reference: the subject's own descriptor in the fitted view (needs the fitted view in every batch).
        if (o.IdentityWeight > 0 && o.FittedView && o.Views > 1)
        {
            using var noGrad = no_grad();
            var own = new TransferScene(owner, subject, 1);
            var (composite, _, posed) = own.Composite(own.Beta, owner.CriticFace(o), o.CriticTexture);
            _reference = owner.Descriptors(own, composite, posed);
        }
    }

    /// <summary>The subject's own weights, [K, E].</summary>
    public Tensor Beta { get; }

    /// <summary>Per prompt, whether the critic's prior asks the mapper to start from the prototype.</summary>
    public IReadOnlyList<bool> WarmStarts { get; }

    /// <summary>The prototype start of each prompt's offset [K, E]: its blendshapes raised to their levels, its
    /// antagonists relaxed to zero.</summary>
    public Tensor PrototypeStart() =>
        (nn.functional.relu(_prototypeLevels - Beta) * _prototypeMask) - (_antagonism.clamp_max(1) * Beta);

    /// <summary>β + Δβ·free before the clamp, [K, E].</summary>
    public Tensor Raw() => Beta + (cat(_mappers.Select((m, k) => m.forward(Beta.narrow(0, k, 1), _identityInputs.narrow(0, k, 1), _prompt.narrow(0, k, 1))).ToArray(), 0) * _free);

    /// <summary>One step's weights, renders and terms.</summary>
    public TransferStep Step()
    {
        var raw = Raw();
        var weights = raw.clamp(0, 1);
        var views = _o.Views;
        var fitted = _o.FittedView && views > 1 ? _count : 0;
        var (composite, boxes, posed) = _scene.Composite(views == 1 ? weights : weights.repeat(views, 1), _owner.CriticFace(_o), _o.CriticTexture, _scene.RandomViews(_o, _views, fitted));
        var effective = weights - Beta;
        var critic = _critic.Loss(composite, boxes).view(views, _count).mean([0]) * _criticScale * _o.CriticWeight;
        (string, Tensor)[] terms =
        [
            ("critic", critic),
            ("delta", Delta(effective)),
            ("sparsity", Sparsity(effective)),
            ("symmetry", Symmetry(weights)),
            ("range", Range(raw)),
            ("prototype", Prototype(weights)),
            ("antagonist", Antagonist(weights)),
            ("identity", Identity(composite.narrow(0, 0, _count), posed.narrow(0, 0, _count))),
        ];
        var total = terms.Select(t => t.Item2).Aggregate((a, b) => a + b);
        return new TransferStep(weights, [.. terms, ("total", total)], composite.narrow(0, 0, _count), posed.narrow(0, 0, _count));
    }

    /// <summary>Σ Δβ²: the change stays small.</summary>
    private Tensor Delta(Tensor effective) => effective.square().sum(1) * _o.DeltaWeight;

    /// <summary>Raising a blendshape costs by the prior's scale; relaxing one (towards 0, e.g. undoing the subject's own
    /// smile for "sad") costs the prior's relaxation rate.</summary>
    private Tensor Sparsity(Tensor effective) =>
        ((nn.functional.relu(effective) * _raiseCost) + (nn.functional.relu(-effective) * _relaxCost)).sum(1) * _o.SparsityWeight;

    /// <summary>Symmetry of the new expression itself (not only of the change): the fit's own left/right noise goes too.</summary>
    private Tensor Symmetry(Tensor weights) =>
        (weights.index_select(1, _left) - weights.index_select(1, _right)).square().sum(1) * _symmetric * _o.SymmetryWeight;

    /// <summary>β + Δβ stays inside [0, 1] (the clamp alone would give no gradient outside).</summary>
    private Tensor Range(Tensor raw) => (nn.functional.relu(-raw).square() + nn.functional.relu(raw - 1).square()).sum(1) * _o.RangeWeight;

    /// <summary>The prior's prototype blendshapes are pulled up to their levels.</summary>
    private Tensor Prototype(Tensor weights) => (nn.functional.relu(_prototypeLevels - weights).square() * _prototypeMask).sum(1) * _o.PrototypeWeight;

    /// <summary>The blendshapes that contradict the prompt are pulled towards zero.</summary>
    private Tensor Antagonist(Tensor weights) => (weights.square() * _antagonism).sum(1) * _o.AntagonistWeight;

    /// <summary>The face descriptor of each prompt's fitted view stays near the subject's own, past a margin the
    /// expression itself may take.</summary>
    private Tensor Identity(Tensor composite, Tensor posed) => _reference is null
        ? zeros(_count, device: composite.device)
        : nn.functional.relu(IdentityLoss.Distances(_reference, _owner.Descriptors(_scene, composite, posed)) - _o.IdentityMargin) * _o.IdentityWeight;
}
