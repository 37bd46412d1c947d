using FaceClip.Core.Losses;

namespace FaceClip.Core.Expression;

/// <summary>How the mapper is optimised for one request (one subject, one or more prompts).</summary>
public sealed class TransferOptions
{
    public const string SectionName = "Transfer";

    /// <summary>Adam steps of the mapper (0 with a pre-trained mapper: apply it as it is).</summary>
    public int Iterations { get; set; } = 120;

    /// <summary>Adam learning rate of the mapper.</summary>
    public double LearningRate { get; set; } = 7e-4;

    /// <summary>Learning rate of the mapper's body (embeddings and transformer blocks) relative to its output head.</summary>
    public double BodyRate { get; set; } = 0.1;

    /// <summary>Auto (CLIP when its weights are installed, else the embedded expression critic), CLIP or the embedded critic.</summary>
    public CriticChoice Critic { get; set; } = CriticChoice.Auto;

    /// <summary>What the face the critic sees is drawn with: <c>upper-face</c> (the default) the photo's baked texture on
    /// the brows, forehead and eyelids, blending into the fitted albedo under the fitted light from the lower eyelids
    /// down to halfway to the nose tip, so the brows the expression moves are the subject's own; <c>albedo</c> the fitted albedo
    /// everywhere (the face then has no eyebrows); <c>photo</c> the baked texture everywhere (it carries the subject's own
    /// expression — teeth, smile creases — which argue with the new geometry). Without a texture the albedo is used.
    /// The output renders always use the photo texture when there is one.</summary>
    public CriticTexture CriticTexture { get; set; } = CriticTexture.UpperFace;

    /// <summary>Draw the model's eyeballs (sclera and painted iris) in the face the critic sees, so eyes opened wider show
    /// white sclera (true), or leave them out so the photo's own eyes show through the eye openings (false: a face
    /// asked to open its eyes wider then shows the photo's eyelids inside the opening).</summary>
    public bool ModelEyes { get; set; } = true;

    /// <summary>Weight of the critic's loss (L_clip or the embedded KL).</summary>
    public double CriticWeight { get; set; } = 1.0;

    /// <summary>Weight of Σ Δβ² (keeps the change small).</summary>
    public double DeltaWeight { get; set; } = 0.08;

    /// <summary>Weight of Σ |Δβ| (few blendshapes move).</summary>
    public double SparsityWeight { get; set; } = 0.01;

    /// <summary>With the embedded critic, the sparsity weight on blendshapes outside the prompt's expression prototypes
    /// (<see cref="ExpressionPrototypes"/>), relative to <see cref="SparsityWeight"/>.</summary>
    public double OffPrototypeFactor { get; set; } = 4.0;

    /// <summary>The same for the prototype's own blendshapes.</summary>
    public double OnPrototypeFactor { get; set; } = 0.25;

    /// <summary>With the embedded critic, weight of Σ r_i · relu(level_i − β'_i)² over the prompt's prototype blendshapes
    /// (<see cref="ExpressionPrototypes"/>: r_i their relevance, level_i their level times the prompt's intensity): a
    /// prior that the named expression uses its action units.</summary>
    public double PrototypeWeight { get; set; } = 0.5;

    /// <summary>Scale of the prototypes' levels (1: as tabulated in <see cref="ExpressionPrototypes.Levels"/>).</summary>
    public double PrototypeLevel { get; set; } = 1.0;

    /// <summary>With the embedded critic, weight of Σ a_i · β'_i² over the blendshapes that contradict the prompt's
    /// expression (<see cref="ExpressionPrototypes.Antagonists"/>; a_i their antagonism): a sad face does not smile.</summary>
    public double AntagonistWeight { get; set; } = 1.0;

    /// <summary>Weight of the identity term (StyleCLIP's L_ID), relu(‖d(I') − d(I)‖ − <see cref="IdentityMargin"/>): the
    /// face-api descriptor of each prompt's fitted view against that of the subject's own render, the measure the results
    /// report as their identity distance. Needs the fitted view (<see cref="FittedView"/>, <see cref="Views"/> ≥ 2);
    /// 0: off.</summary>
    public double IdentityWeight { get; set; } = 3.0;

    /// <summary>Descriptor distance the new expression may take freely (an expression moves the descriptor by itself;
    /// face-api's same-person threshold is 0.6).</summary>
    public double IdentityMargin { get; set; } = 0.42;

    /// <summary>With the embedded critic and a fresh mapper, start the optimisation from the prompt's prototype (its
    /// blendshapes at their levels, its antagonists at zero) instead of the subject's own expression.</summary>
    public bool WarmStart { get; set; } = true;

    /// <summary>Weight of Σ (β'_L − Δβ_R)² over left/right blendshape pairs (dropped when the prompt asks for a one-sided face).</summary>
    public double SymmetryWeight { get; set; } = 2.0;

    /// <summary>Weight of the penalty on β + Δβ leaving [0, 1] before clamping (keeps gradients alive).</summary>
    public double RangeWeight { get; set; } = 1.0;

    /// <summary>Report a preview strip and the vertices every this many iterations (0: never).</summary>
    public int PreviewEvery { get; set; } = 10;

    /// <summary>Side of each prompt's preview.</summary>
    public int PreviewSize { get; set; } = 128;

    /// <summary>Yaw (radians) of the held-out view the result is also judged on (a view the optimisation never saw).</summary>
    public double HeldOutYaw { get; set; } = 0.25;

    /// <summary>Critic views per step: each step renders every prompt's face from this many randomly augmented views
    /// (<see cref="ViewJitter"/>, <see cref="PitchJitter"/>, <see cref="LightFlip"/>, <see cref="CropJitter"/>) in one
    /// batch and averages the critic's loss over them, so the change must read from several views at once rather than
    /// fool the critic from one (1: one view per step).</summary>
    public int Views { get; set; } = 4;

    /// <summary>With several views, the first view of every step is the fitted one (the photo's pose and light, the
    /// expression box as face-api takes it): the view people see the result from is always among those optimised.</summary>
    public bool FittedView { get; set; } = true;

    /// <summary>Each view turns the head by a random yaw, uniform in ± this (radians), so the expression must read from
    /// nearby views too, not only the fitted one (0: the fitted yaw). Kept below <see cref="HeldOutYaw"/> so that the
    /// held-out view stays unseen.</summary>
    public double ViewJitter { get; set; } = 0.2;

    /// <summary>Each view tilts the head by a random pitch, uniform in ± this (radians; 0: the fitted pitch).</summary>
    public double PitchJitter { get; set; } = 0.12;

    /// <summary>Probability that a view is lit by the fitted light mirrored left-right (the SH terms odd in x negated).</summary>
    public double LightFlip { get; set; } = 0.5;

    /// <summary>Each view's expression crop (face-api's padded landmark box) is scaled by a random factor in 1 ± this
    /// and shifted by up to ± this of its side in x and y (0: the box as face-api would take it).</summary>
    public double CropJitter { get; set; } = 0.05;

    /// <summary>Seed of the mapper's initialisation and of the random views (a run is reproducible).</summary>
    public long Seed { get; set; } = 7;

    public void Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Require(Iterations >= 0, "Iterations cannot be negative.");
        Require(LearningRate > 0, "LearningRate must be positive.");
        Require(Enum.IsDefined(Critic), "Critic must be auto, clip or face.");
        Require(Enum.IsDefined(CriticTexture), "CriticTexture must be upper-face, albedo or photo.");
        Require(DeltaWeight >= 0 && SparsityWeight >= 0 && SymmetryWeight >= 0 && RangeWeight >= 0 && CriticWeight > 0
                && PrototypeWeight >= 0 && AntagonistWeight >= 0 && PrototypeLevel >= 0 && IdentityWeight >= 0 && IdentityMargin >= 0,
            "Loss weights cannot be negative.");
        Require(PreviewSize is >= 16 and <= 512, "PreviewSize must be 16..512.");
        Require(Views is >= 1 and <= 8, "Views must be 1..8.");
        Require(ViewJitter >= 0 && ViewJitter < HeldOutYaw, "ViewJitter must be at least 0 and below HeldOutYaw (the held-out view must stay unseen).");
        Require(PitchJitter is >= 0 and <= 0.5, "PitchJitter must be 0..0.5 rad.");
        Require(LightFlip is >= 0 and <= 1, "LightFlip is a probability (0..1).");
        Require(CropJitter is >= 0 and < 0.25, "CropJitter must be at least 0 and below 0.25.");
    }

    /// <summary>A copy to adjust per request without touching the configured defaults.</summary>
    public TransferOptions Clone() => (TransferOptions)MemberwiseClone();
}
