using System.Diagnostics;
using System.Runtime.CompilerServices;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Rendering;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// Photo → 3D face by analysis-by-synthesis: detect, pick a face, crop it around its landmarks, then optimise the
/// codes (α, β, t, ρ, l) in three stages — pose from landmarks; shape and expression from landmarks; everything with
/// the photometric, landmark, identity, regularisation and feature-consistency losses through the differentiable
/// renderer — and finally bake a UV texture from the photo. Progress streams as <see cref="OptimisationProgress{TResult}"/>.
/// </summary>
public sealed partial class Reconstructor : IDisposable
{
    private readonly MeshTopology _fitting;
    private readonly MeshTopology _display;
    private readonly TextureBaker.InnerParts _innerParts;
    private readonly TextureCleaning.SkinParts _skinParts;
    private readonly Tensor _triangles;
    private Lazy<DenseLandmarker>? _dense;

    public Reconstructor(FaceModel model, FacePipeline faces, Func<IFeatureCritic>? clipCriticFactory = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Faces = faces ?? throw new ArgumentNullException(nameof(faces));
        Critics = new CriticSource<IFeatureCritic>(() => new FaceFeatureCritic(), clipCriticFactory, "RN50x4.pt and ViT-B-32.pt");
        _fitting = model.CreateFittingTopology();
        _display = model.CreateDisplayTopology();
        _innerParts = TextureBaker.InnerParts.Of(model.Data);
        _skinParts = TextureCleaning.SkinParts.Of(model.Data);
        _triangles = tensor(model.Data.Triangles.Select(v => (long)v).ToArray(), device: model.Device).view(-1, 3);
    }

    /// <summary>Loads the face model and the face networks from the store, and the CLIP critic when OpenAI's CLIP
    /// weights are installed (loaded the first time a fit asks for it).</summary>
    public static Reconstructor Load(ModelStore store, Device device)
    {
        ArgumentNullException.ThrowIfNull(store);
        Func<IFeatureCritic>? clip = null;
        if (store.GetStatus("clip").Found)
        {
            var models = new Lazy<(Clip.ClipModel ResNet, Clip.ClipModel Vit)>(() => ClipFeatureCritic.LoadModels(store, device));
            clip = () => new ClipFeatureCritic(new ClipGeometricLoss(models.Value.ResNet), new ClipSemanticLoss(models.Value.Vit));
        }

        var reconstructor = new Reconstructor(FaceModel.Load(store, device), FacePipeline.Load(store, device), clip);
        reconstructor.LoadInstalledRegressor(store);
        if (store.GetStatus("mediapipe-face").Found)
        {
            // Loaded by the first fit that asks for dense landmarks: a server that never does pays nothing, and a broken
            // asset is reported to that fit rather than stopping the start.
            reconstructor._dense = new Lazy<DenseLandmarker>(() => DenseLandmarker.Load(store, device));
        }

        return reconstructor;
    }

    public FaceModel Model { get; }

    /// <summary>MediaPipe's dense landmarks, where the <c>mediapipe-face</c> asset is installed (owned and disposed by
    /// the reconstructor, loaded on first use); <see cref="ReconstructionOptions.DenseLandmarks"/> fits them.</summary>
    public DenseLandmarker? Dense
    {
        get => _dense?.Value;
        set => _dense = value is null ? null : new Lazy<DenseLandmarker>(value);
    }

    public FacePipeline Faces { get; }

    /// <summary>The fit's feature-consistency critics (CLIP where its weights are installed, else the face critic).</summary>
    public CriticSource<IFeatureCritic> Critics { get; }

    /// <summary>Whether the CLIP critic can run (its weights are installed).</summary>
    public bool ClipAvailable => Critics.ClipAvailable;

    /// <summary>Fits the face in an image file. Yields progress while it runs; the last item carries the result.</summary>
    public IAsyncEnumerable<OptimisationProgress<ReconstructionResult>> RunAsync(string imagePath, ReconstructionOptions options, CancellationToken cancellationToken = default) =>
        RunCoreAsync(() => FaceImage.Load(imagePath), options, cancellationToken);

    /// <summary>Fits the face in a decoded image (the caller keeps ownership of it).</summary>
    public IAsyncEnumerable<OptimisationProgress<ReconstructionResult>> RunAsync(FaceImage image, ReconstructionOptions options, CancellationToken cancellationToken = default) =>
        RunCoreAsync(() => image, options, cancellationToken, ownsImage: false);

    /// <summary>Fits a face of a decoded image whose faces the caller has already found (<paramref name="analysis"/>,
    /// from <see cref="FacePipeline.Analyse(FaceImage, bool, bool)"/> of this image): the fit does not detect them again.</summary>
    public IAsyncEnumerable<OptimisationProgress<ReconstructionResult>> RunAsync(FaceImage image, FaceAnalysis analysis, ReconstructionOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(analysis);
        if (analysis.Width != image.Width || analysis.Height != image.Height)
        {
            throw new ArgumentException($"The faces were found in a {analysis.Width}x{analysis.Height} image, not in this {image.Width}x{image.Height} one.", nameof(analysis));
        }

        return RunCoreAsync(() => image, options, cancellationToken, ownsImage: false, analysis);
    }

    private async IAsyncEnumerable<OptimisationProgress<ReconstructionResult>> RunCoreAsync(Func<FaceImage> open, ReconstructionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken, bool ownsImage = true, FaceAnalysis? analysis = null)
    {
        options.Validate();
        var stream = ProgressStream.Run<OptimisationProgress<ReconstructionResult>>((report, ct) =>
        {
            var image = open();
            try
            {
                Fit(image, options, report, ct, analysis);
            }
            finally
            {
                if (ownsImage)
                {
                    image.Dispose();
                }
            }
        }, cancellationToken);
        await foreach (var progress in stream)
        {
            yield return progress;
        }
    }

    /// <summary>The dense landmarks of the chosen face as the fit's target, when the options ask for them.</summary>
    private DenseTarget? DenseTargetOf(FaceImage image, DetectedFace face, FaceCrop crop, ReconstructionOptions o)
    {
        if (!o.DenseLandmarks)
        {
            return null;
        }

        var dense = Dense ?? throw new ReconstructionException("Dense landmarks need MediaPipe's models (the mediapipe-face asset: run `npm ci` in the FaceClip folder).");
        var found = dense.Detect(image, [face])[0];
        return DenseTarget.For(crop.LandmarksToCrop(found.MapPoints(), Model.Device), DenseLandmarkMap.Shipped(), o, Model.Device, Model.Data);
    }

    /// <summary>Runs a fit to the end and returns its result (progress is passed to <paramref name="report"/>).</summary>
    public Task<ReconstructionResult> ReconstructAsync(string imagePath, ReconstructionOptions options,
        Action<OptimisationProgress<ReconstructionResult>>? report = null, CancellationToken cancellationToken = default) =>
        ResultOfAsync(RunAsync(imagePath, options, cancellationToken), report);

    /// <summary>The same for a decoded image (the caller keeps ownership of it).</summary>
    public Task<ReconstructionResult> ReconstructAsync(FaceImage image, ReconstructionOptions options,
        Action<OptimisationProgress<ReconstructionResult>>? report = null, CancellationToken cancellationToken = default) =>
        ResultOfAsync(RunAsync(image, options, cancellationToken), report);

    private static async Task<ReconstructionResult> ResultOfAsync(IAsyncEnumerable<OptimisationProgress<ReconstructionResult>> run,
        Action<OptimisationProgress<ReconstructionResult>>? report)
    {
        ReconstructionResult? result = null;
        await foreach (var p in run)
        {
            report?.Invoke(p);
            result = p.Result ?? result;
        }

        return result ?? throw new InvalidOperationException("The fit ended without a result.");
    }

    private void Fit(FaceImage image, ReconstructionOptions o, Action<OptimisationProgress<ReconstructionResult>> report, CancellationToken ct,
        FaceAnalysis? found = null)
    {
        var clock = Stopwatch.StartNew();
        // The fit reads the faces' boxes and landmarks; the expression and descriptor nets would run on every face of
        // the photo for nothing (the identity term computes the chosen face's own features).
        var analysis = found ?? Faces.Analyse(image, expressions: false, descriptors: false);
        var detection = clock.Elapsed.TotalSeconds;
        var (faceIndex, face) = PickFace(analysis, o);

        using var critic = Critics.Create(o.Critic);
        using var scope = NewDisposeScope();
        var crop = FaceCrop.Around(face.Landmarks, o.CropSize, o.CropScale);
        var photo = crop.Extract(image.Pixels.to(Model.Device));
        var target = crop.LandmarksToCrop(face.Landmarks, Model.Device);
        var camera = ReconstructionLoss.CropCamera(o.CropSize);
        using var loss = new ReconstructionLoss(Model, _fitting, Faces.RecognitionNet, camera, o);
        var (initialiser, start) = InitialCodes(photo, target, camera, o);
        var schedule = ScheduleOf(o);
        var run = new FitRun(Model, loss, o, schedule, start, target, report, clock, ct, photo) { Dense = DenseTargetOf(image, face, crop, o) };
        if (found is null)
        {
            run.Timings["detection"] = detection; // faces found by the caller were timed there
        }

        run.Timings["initialiser"] = clock.Elapsed.TotalSeconds - detection;

        // Stage 1: rigid pose from the landmarks. Stage 2: shape and expression from the landmarks.
        run.LandmarkStage(OptimisationStage.Pose, schedule.Pose, (run.Rotation, 0.02), (run.Translation, 0.3));
        run.LandmarkStage(OptimisationStage.Shape, schedule.Shape, (run.Rotation, 0.005), (run.Translation, 0.1), (run.Shape, 0.05), (run.Expression, 0.02));

        // Stage 3: every code, all losses. Stage 4 (optional): geometric details, the codes as fitted.
        var prepared = loss.Prepare(photo, target, run.Codes, critic);
        run.FullStage(prepared, critic);
        using var detail = schedule.Detail > 0 ? new DisplacementMap(Model, o.DetailResolution) : null;
        if (detail is not null)
        {
            // The detail pass sees the photo at its own crop size (the same framing, more pixels where the photo has them).
            var size = Math.Max(o.CropSize, o.DetailCropSize);
            var detailCrop = FaceCrop.Around(face.Landmarks, size, o.CropScale);
            var detailPhoto = size == o.CropSize ? photo : detailCrop.Extract(image.Pixels.to(Model.Device));
            using var larger = size == o.CropSize ? null : new ReconstructionLoss(Model, _fitting, Faces.RecognitionNet, ReconstructionLoss.CropCamera(size), o);
            run.DetailStage(detail, larger ?? loss, detailPhoto, larger is null ? prepared.Skin : larger.Skin(detailPhoto, run.Fitted));
        }

        var finishing = Stopwatch.StartNew();
        var fit = new FitScene(image, analysis, faceIndex, face, crop, photo, camera, prepared);
        var result = Finish(fit, run, critic, initialiser, o, detail);
        run.Timings["texture"] = finishing.Elapsed.TotalSeconds;
        run.Timings["total"] = clock.Elapsed.TotalSeconds;
        report(new OptimisationProgress<ReconstructionResult>
        {
            Stage = OptimisationStage.Done,
            Iteration = 0,
            StageIterations = 0,
            Fraction = 1,
            Elapsed = clock.Elapsed,
            Losses = run.History.Count > 0 ? run.History[^1].Losses : new Dictionary<string, double>(),
            SkippedSteps = run.SkippedSteps,
            PreviewPng = result.RenderPng,
            Vertices = [result.PosedVertices],
            Result = result,
        });
    }

    /// <summary>The iterations each stage of a fit with <paramref name="options"/> runs here (from the regressor when
    /// one is loaded and the options allow it, <see cref="ReconstructionOptions.ScheduleFor"/>).</summary>
    public FitSchedule ScheduleOf(ReconstructionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ScheduleFor(Regressor is not null);
    }

    private static (int, DetectedFace) PickFace(FaceAnalysis analysis, ReconstructionOptions o)
    {
        if (analysis.Faces.Count == 0)
        {
            throw new ReconstructionException("No face was found in the image.");
        }

        int index;
        if (o.FaceIndex is { } wanted)
        {
            if (wanted >= analysis.Faces.Count)
            {
                throw new ReconstructionException(
                    $"Face {wanted} does not exist: {analysis.Faces.Count} face(s) were found (indices 0 to {analysis.Faces.Count - 1}).");
            }

            index = wanted;
        }
        else
        {
            index = Enumerable.Range(0, analysis.Faces.Count).MaxBy(i => analysis.Faces[i].Box.Area);
        }

        var face = analysis.Faces[index];
        var side = Math.Min(face.Box.Width, face.Box.Height);
        if (side < o.MinimumFaceSize)
        {
            throw new ReconstructionException(
                $"Face {index} is too small ({face.Box.Width:F0}x{face.Box.Height:F0} pixels); the minimum is {o.MinimumFaceSize} pixels.");
        }

        return (index, face);
    }

    /// <summary>Places the model so its landmarks' spread and centre match the detected ones (weak perspective).</summary>
    internal Tensor InitialTranslation(Tensor target, PerspectiveCamera camera)
    {
        using var scope = NewDisposeScope();
        var device = Model.Device;
        using var ids = tensor(Model.Data.Landmarks.Select(i => (long)i).ToArray(), device: device);
        var model = Model.MeanShape.index_select(0, ids);
        var modelXy = model.narrow(1, 0, 2);
        var modelSpread = (modelXy - modelXy.mean([0])).square().sum(1).mean().sqrt().item<float>();
        var points = target[0];
        var centre = points.mean([0]);
        var spread = (points - centre).square().sum(1).mean().sqrt().item<float>();
        var depth = camera.Focal * modelSpread / Math.Max(spread, 1e-3);
        var mean = model.mean([0]);
        var u = centre[0].item<float>();
        var v = centre[1].item<float>();
        var tx = ((u - camera.CenterX) * depth / camera.Focal) - mean[0].item<float>();
        var ty = (-(v - camera.CenterY) * depth / camera.Focal) - mean[1].item<float>();
        var tz = camera.Distance - depth - mean[2].item<float>();
        return tensor(new[] { (float)tx, (float)ty, (float)tz }, device: device).view(1, 3).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Probability that a crop pixel shows skin, from the photo's own skin colour: the median and spread of the
    /// chroma (Cb, Cr) under the rendered face region, then a soft Gaussian of the distance to it. Hair, glasses, hands
    /// and background fall outside; any skin tone and white balance work.
    /// </summary>
    internal static Tensor SkinProbability(Tensor photo01, Tensor faceMask)
    {
        using var scope = NewDisposeScope();
        var r = photo01.select(1, 0);
        var g = photo01.select(1, 1);
        var b = photo01.select(1, 2);
        var cb = (-0.168736 * r) - (0.331264 * g) + (0.5 * b);
        var cr = (0.5 * r) - (0.418688 * g) - (0.081312 * b);
        var inside = faceMask.select(1, 0) > 0.5;
        if (inside.sum().item<long>() < 50)
        {
            return ones_like(faceMask).MoveToOuterDisposeScope();
        }

        Tensor Normalised(Tensor channel)
        {
            var values = channel.masked_select(inside);
            var median = values.median();
            var mad = (values - median).abs().median().clamp_min(0.004) * 1.4826;
            return (channel - median) / mad;
        }

        var d2 = Normalised(cb).square() + Normalised(cr).square();
        var probability = (-d2 / (2 * 2.5 * 2.5)).exp();
        return probability.unsqueeze(1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Regressor?.Dispose();
        if (_dense is { IsValueCreated: true })
        {
            _dense.Value.Dispose();
        }

        _fitting.Dispose();
        _display.Dispose();
        _triangles.Dispose();
    }
}
