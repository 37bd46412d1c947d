using System.Diagnostics;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Rendering;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// One fit while its stages run: the code leaves, the loss and its landmark target, the jaw-line landmark choice, the
/// loss history, the timings and the progress reports. Each stage is one <see cref="OptimisationLoop"/> over its own
/// parameter groups; <see cref="Reconstructor"/> orchestrates them.
/// </summary>
internal sealed class FitRun
{
    private readonly FaceModel _model;
    private readonly ReconstructionLoss _loss;
    private readonly ReconstructionOptions _o;
    private readonly Action<OptimisationProgress<ReconstructionResult>> _report;
    private readonly CancellationToken _ct;
    private readonly FitSchedule _schedule;
    private int _done;
    private SurfaceDetail? _shownDetail; // the detail pass's map, while it runs
    private readonly Tensor? _photo; // the photo crop, for previews of the landmark stages

    /// <summary>The landmark stages render a preview every this many preview steps (and at their last step).</summary>
    public const int LandmarkRenderStride = 4;

    /// <param name="photo">The photo crop [1, 3, S, S]: when given, the landmark stages' previews render the current codes
    /// over it (those stages render nothing for their loss), so a watcher sees a render from the first steps.</param>
    public FitRun(FaceModel model, ReconstructionLoss loss, ReconstructionOptions options, FitSchedule schedule, FaceCodes start, Tensor target,
        Action<OptimisationProgress<ReconstructionResult>> report, Stopwatch clock, CancellationToken ct, Tensor? photo = null)
    {
        (_model, _loss, _o, _report, Clock, _ct, _photo) = (model, loss, options, report, clock, ct, photo);
        Target = target;
        LandmarkIds = loss.InitialLandmarkIds(1);
        Rotation = Leaf(start.Rotation);
        Translation = Leaf(start.Translation);
        Shape = Leaf(start.Shape);
        Expression = Leaf(start.Expression);
        Texture = Leaf(start.Texture);
        Lighting = Leaf(start.Lighting);
        _schedule = schedule;
    }

    public Parameter Rotation { get; }
    public Parameter Translation { get; }
    public Parameter Shape { get; }
    public Parameter Expression { get; }
    public Parameter Texture { get; }
    public Parameter Lighting { get; }

    /// <summary>The detected landmarks in crop pixels, [1, 68, 2].</summary>
    public Tensor Target { get; }

    /// <summary>The current landmark vertices (the jaw line follows the silhouette).</summary>
    public long[][] LandmarkIds { get; }

    public Stopwatch Clock { get; }

    public List<(OptimisationStage Stage, IReadOnlyDictionary<string, double> Losses)> History { get; } = [];

    public Dictionary<string, double> Timings { get; } = [];

    /// <summary>The dense landmarks the stages fit besides the 68, if any.</summary>
    public DenseTarget? Dense { get; init; }

    /// <summary>The whole code vector as each stage left it.</summary>
    public Dictionary<OptimisationStage, float[]> StageCodes { get; } = [];

    public int SkippedSteps { get; private set; }

    public FaceCodes Codes => new(Shape, Expression, Texture, Rotation, Translation, Lighting);

    /// <summary>The codes as fitted, detached.</summary>
    public FaceCodes Fitted => new(Shape.detach(), Expression.detach(), Texture.detach(), Rotation.detach(), Translation.detach(), Lighting.detach());

    /// <summary>A landmark stage: the weighted landmarks plus the code regulariser, over the given groups and rates.</summary>
    public void LandmarkStage(OptimisationStage stage, int iterations, params (Parameter Param, double Lr)[] groups) =>
        RunStage(stage, iterations, groups, it =>
        {
            var cameraVertices = FollowContour(it);
            return _loss.Landmarks(Codes, cameraVertices, Target, LandmarkIds, Dense);
        }, _ => null);

    /// <summary>The full stage: every code, every term against the prepared target.</summary>
    public void FullStage(ReconstructionTarget prepared, IFeatureCritic critic)
    {
        var rate = _o.LearningRate;
        RunStage(OptimisationStage.Full, _schedule.Full,
            [(Rotation, rate * 0.5 * _o.PoseRate), (Translation, rate * 10 * _o.PoseRate), (Shape, rate * _o.ShapeRate), (Expression, rate * _o.ExpressionRate), (Texture, rate * 3), (Lighting, rate * 2)],
            it => _loss.Full(Codes, FollowContour(it), prepared, critic, LandmarkIds, Dense), terms => terms.Composite);
    }

    /// <summary>The detail pass: a displacement map shown by normal mapping, the codes as fitted. The photometric
    /// residual's fine band (<see cref="ReconstructionLoss.Detail"/>) and the map's smoothness and magnitude priors; the
    /// landmarks and the recognition features do not see a normal map, and the vertices do not move. <paramref name="loss"/>
    /// renders at the size of <paramref name="photo"/> (the same framing as the fit's crop), <paramref name="skin"/> its
    /// pixels' skin probability.</summary>
    public void DetailStage(DisplacementMap detail, ReconstructionLoss loss, Tensor photo, Tensor skin)
    {
        var fitted = Fitted;
        Tensor cameraVertices;
        using (no_grad())
        {
            cameraVertices = loss.CameraVertices(fitted).detach();
        }

        var clock = Stopwatch.StartNew();
        using var optimizer = optim.Adam([detail.Map], lr: _o.DetailLearningRate);
        var loop = new OptimisationLoop(optimizer);
        _shownDetail = detail.Detail;
        loop.Run(_schedule.Detail, _ =>
        {
            var t = loss.Detail(fitted, cameraVertices, photo, skin, detail.Detail);
            var smoothness = detail.Smoothness() * _o.DetailSmoothnessWeight;
            var magnitude = detail.Magnitude() * _o.DetailMagnitudeWeight;
            return new ReconstructionTerms(t.Total + smoothness + magnitude, new Dictionary<string, Tensor>(t.Terms) { ["smoothness"] = smoothness, ["magnitude"] = magnitude }, t.Composite);
        }, (it, terms, _) => Report(OptimisationStage.Detail, it, _schedule.Detail, terms, terms.Composite), _ct);
        _shownDetail = null;
        SkippedSteps += loop.SkippedSteps;
        Timings["detail"] = clock.Elapsed.TotalSeconds;
    }

    private void RunStage(OptimisationStage stage, int iterations, (Parameter Param, double Lr)[] groups, Func<int, ReconstructionTerms> objective,
        Func<ReconstructionTerms, Tensor?> composite)
    {
        var clock = Stopwatch.StartNew();
        using var optimizer = optim.Adam(groups.Select(g => new Adam.ParamGroup([g.Param], g.Lr)).ToArray());
        var loop = new OptimisationLoop(optimizer, () => Expression.clamp_(0, 1));
        loop.Run(iterations, objective, (it, terms, _) => Report(stage, it, iterations, terms, composite(terms)), _ct);
        SkippedSteps += loop.SkippedSteps;
        if (iterations > 0)
        {
            Timings[stage.Name()] = clock.Elapsed.TotalSeconds; // a stage the schedule skips has no time to report
        }

        StageCodes[stage] = Snapshot();
    }

    /// <summary>The current codes as one vector in <see cref="FaceCodeLayout"/> order.</summary>
    private float[] Snapshot()
    {
        using var noGrad = no_grad();
        using var all = cat([Shape, Expression, Texture, Rotation, Translation, Lighting], 1);
        return all[0].cpu().data<float>().ToArray();
    }

    /// <summary>Camera-space vertices of the current codes; every tenth step the jaw-line landmarks move to the
    /// silhouette nearest the detections.</summary>
    private Tensor FollowContour(int iteration)
    {
        var cameraVertices = _loss.CameraVertices(Codes);
        if (iteration % 10 == 1)
        {
            _loss.UpdateContour(cameraVertices, Target, LandmarkIds);
            _loss.UpdateSilhouette(cameraVertices, Dense);
        }

        return cameraVertices;
    }

    private void Report(OptimisationStage stage, int iteration, int stageIterations, ReconstructionTerms terms, Tensor? composite)
    {
        var losses = terms.Values();
        History.Add((stage, losses));
        _done++;
        var last = iteration == stageIterations;
        var due = _o.PreviewEvery > 0 && (iteration % _o.PreviewEvery == 0 || last);
        // A stage that renders for its loss hands its composite over; the landmark stages render only for the preview,
        // and their steps are about fifteen times cheaper, so their renders come at a quarter of the rate (in time,
        // still more often than the full stage's) and their vertices at the full rate.
        var render = composite is not null || last || (due && iteration % (_o.PreviewEvery * LandmarkRenderStride) == 0);
        var (png, vertices) = due ? Preview(composite?.detach(), render) : (null, null);
        _report(new OptimisationProgress<ReconstructionResult>
        {
            Stage = stage,
            Iteration = iteration,
            StageIterations = stageIterations,
            Fraction = _schedule.Total == 0 ? 1 : _done / (double)_schedule.Total,
            Elapsed = Clock.Elapsed,
            Losses = losses,
            SkippedSteps = SkippedSteps,
            PreviewPng = png,
            Vertices = vertices is null ? null : [vertices],
        });
    }

    private (byte[]?, float[]?) Preview(Tensor? compositeCrop, bool render)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var posed = _model.Pose(Codes);
        byte[]? png = null;
        compositeCrop ??= _photo is null || !render ? null : _loss.Composite(Codes, _photo, _shownDetail);
        if (compositeCrop is not null)
        {
            var small = nn.functional.interpolate(compositeCrop, [_o.PreviewSize, _o.PreviewSize], mode: InterpolationMode.Bilinear, align_corners: false);
            png = Reconstructor.Png(small, null, 1f);
        }

        return (png, posed.cpu().data<float>().ToArray());
    }

    /// <summary>An optimisable code part (a parameter that owns a copy of <paramref name="initial"/>).</summary>
    private static Parameter Leaf(Tensor initial) => new(initial.detach().clone(), requires_grad: true);
}
