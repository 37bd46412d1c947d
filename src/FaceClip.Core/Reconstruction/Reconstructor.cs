using System.Diagnostics;
using System.Runtime.CompilerServices;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
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
/// renderer — and finally bake a UV texture from the photo. Progress streams as <see cref="FitProgress"/>.
/// </summary>
public sealed partial class Reconstructor : IDisposable
{
    private readonly Func<IFeatureCritic>? _clipCritic;
    private readonly MeshTopology _fitting;
    private readonly MeshTopology _display;
    private readonly TextureBaker.InnerParts _innerParts;

    public Reconstructor(FaceModel model, FacePipeline faces, Func<IFeatureCritic>? clipCriticFactory = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Faces = faces ?? throw new ArgumentNullException(nameof(faces));
        _clipCritic = clipCriticFactory;
        _fitting = model.CreateFittingTopology();
        _display = model.CreateDisplayTopology();
        _innerParts = TextureBaker.InnerParts.Of(model.Data);
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
        return reconstructor;
    }

    public FaceModel Model { get; }

    public FacePipeline Faces { get; }

    /// <summary>Whether the CLIP critic can run (its weights are installed).</summary>
    public bool ClipAvailable => _clipCritic is not null;

    /// <summary>Fits the face in an image file. Yields progress while it runs; the last item carries the result.</summary>
    public IAsyncEnumerable<FitProgress> RunAsync(string imagePath, ReconstructionOptions options, CancellationToken cancellationToken = default) =>
        RunCoreAsync(() => FaceImage.Load(imagePath), options, cancellationToken);

    /// <summary>Fits the face in a decoded image (the caller keeps ownership of it).</summary>
    public IAsyncEnumerable<FitProgress> RunAsync(FaceImage image, ReconstructionOptions options, CancellationToken cancellationToken = default) =>
        RunCoreAsync(() => image, options, cancellationToken, ownsImage: false);

    private async IAsyncEnumerable<FitProgress> RunCoreAsync(Func<FaceImage> open, ReconstructionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken, bool ownsImage = true)
    {
        options.Validate();
        var stream = ProgressStream.Run<FitProgress>((report, ct) =>
        {
            var image = open();
            try
            {
                Fit(image, options, report, ct);
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

    /// <summary>Runs a fit to the end and returns its result (progress is passed to <paramref name="report"/>).</summary>
    public async Task<ReconstructionResult> ReconstructAsync(string imagePath, ReconstructionOptions options,
        Action<FitProgress>? report = null, CancellationToken cancellationToken = default)
    {
        ReconstructionResult? result = null;
        await foreach (var p in RunAsync(imagePath, options, cancellationToken))
        {
            report?.Invoke(p);
            result = p.Result ?? result;
        }

        return result ?? throw new InvalidOperationException("The fit ended without a result.");
    }

    private IFeatureCritic CreateCritic(string requested)
    {
        if (requested == "clip" || (requested == "auto" && _clipCritic is not null))
        {
            return _clipCritic?.Invoke() ?? throw new ModelAssetException("clip",
                "The CLIP critic needs OpenAI's CLIP weights (RN50x4.pt and ViT-B-32.pt). Run `faceclip models fetch clip`, or use --critic face.");
        }

        return new FaceFeatureCritic();
    }

    private void Fit(FaceImage image, ReconstructionOptions o, Action<FitProgress> report, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>();
        var analysis = Faces.Analyse(image);
        timings["detection"] = clock.Elapsed.TotalSeconds;
        var (faceIndex, face) = PickFace(analysis, o);

        using var critic = CreateCritic(o.Critic);
        using var scope = NewDisposeScope();
        var device = Model.Device;
        var crop = FaceCrop.Around(face.Landmarks, o.CropSize, o.CropScale);
        var photo = crop.Extract(image.Pixels.to(device));
        var target = crop.LandmarksToCrop(face.Landmarks, device);
        var camera = ReconstructionLoss.CropCamera(o.CropSize);
        using var loss = new ReconstructionLoss(Model, _fitting, Faces.RecognitionNet, camera, o);
        var landmarkIds = loss.InitialLandmarkIds(1);

        var (initialiser, start) = InitialCodes(photo, target, camera, o);
        timings["initialiser"] = clock.Elapsed.TotalSeconds - timings["detection"];
        var rotation = Leaf(start.Rotation);
        var translation = Leaf(start.Translation);
        var shape = Leaf(start.Shape);
        var expression = Leaf(start.Expression);
        var texture = Leaf(start.Texture);
        var lighting = Leaf(start.Lighting);
        FaceCodes Codes() => new(shape, expression, texture, rotation, translation, lighting);

        var history = new List<(string, IReadOnlyDictionary<string, double>)>();
        var detailIterations = o.DetailPass ? o.DetailIterations : 0;
        var total = o.PoseIterations + o.ShapeIterations + o.Iterations + detailIterations;
        var done = 0;
        Tensor? shownOffsets = null; // the detail pass's displacement, while it runs

        Tensor Posed()
        {
            var unposed = Model.ComputeShape(shape, expression);
            return FaceModel.ApplyPose(shownOffsets is null ? unposed : unposed + shownOffsets, FaceModel.ComputeRotation(rotation), translation);
        }

        void Report(string stage, int iteration, int stageIterations, Dictionary<string, double> losses, Func<(byte[]?, float[]?)>? preview)
        {
            history.Add((stage, losses));
            done++;
            var (png, vertices) = preview?.Invoke() ?? (null, null);
            report(new FitProgress
            {
                Stage = stage,
                Iteration = iteration,
                StageIterations = stageIterations,
                Fraction = total == 0 ? 1 : done / (double)total,
                Elapsed = clock.Elapsed,
                Losses = losses,
                PreviewPng = png,
                Vertices = vertices,
            });
        }

        bool PreviewDue(int iteration, int stageIterations) =>
            o.PreviewEvery > 0 && (iteration % o.PreviewEvery == 0 || iteration == stageIterations);

        (byte[]?, float[]?) Preview(Tensor? compositeCrop)
        {
            using var previewScope = NewDisposeScope();
            using var noGrad = no_grad();
            var posed = Posed();
            byte[]? png = null;
            if (compositeCrop is not null)
            {
                var small = nn.functional.interpolate(compositeCrop, [o.PreviewSize, o.PreviewSize], mode: InterpolationMode.Bilinear, align_corners: false);
                png = Png(small, null, 1f);
            }

            return (png, posed.cpu().data<float>().ToArray());
        }

        // Stage 1: rigid pose from the landmarks. Stage 2: shape and expression from the landmarks.
        var stages = new (string Name, int Iterations, (Parameter Param, double Lr)[] Groups)[]
        {
            ("pose", o.PoseIterations, [(rotation, 0.02), (translation, 0.3)]),
            ("shape", o.ShapeIterations, [(rotation, 0.005), (translation, 0.1), (shape, 0.05), (expression, 0.02)]),
        };
        foreach (var (stageName, iterations, groups) in stages)
        {
            var stageClock = Stopwatch.StartNew();
            using var optimizer = Adam(groups);
            for (var it = 1; it <= iterations; it++)
            {
                ct.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                optimizer.zero_grad();
                var cameraVertices = loss.CameraVertices(Codes());
                if (it % 10 == 1)
                {
                    loss.UpdateContour(cameraVertices, target, landmarkIds);
                }

                var terms = loss.Landmarks(Codes(), cameraVertices, target, landmarkIds);
                terms.Total.backward();
                optimizer.step();
                ClampExpression(expression);
                Report(stageName, it, iterations, terms.Values(), PreviewDue(it, iterations) ? () => Preview(null) : null);
            }

            timings[stageName] = stageClock.Elapsed.TotalSeconds;
        }

        // Stage 3: every code, all losses.
        var fullClock = Stopwatch.StartNew();
        var prepared = loss.Prepare(photo, target, Codes(), critic);
        using (var optimizer = Adam([
                   (rotation, o.LearningRate * 0.5 * o.PoseRate), (translation, o.LearningRate * 10 * o.PoseRate), (shape, o.LearningRate),
                   (expression, o.LearningRate), (texture, o.LearningRate * 3), (lighting, o.LearningRate * 2)]))
        {
            for (var it = 1; it <= o.Iterations; it++)
            {
                ct.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                optimizer.zero_grad();
                var cameraVertices = loss.CameraVertices(Codes());
                if (it % 10 == 1)
                {
                    loss.UpdateContour(cameraVertices, target, landmarkIds);
                }

                var terms = loss.Full(Codes(), cameraVertices, prepared, critic, landmarkIds);
                terms.Total.backward();
                optimizer.step();
                ClampExpression(expression);
                var due = PreviewDue(it, o.Iterations);
                Report("full", it, o.Iterations, terms.Values(), due ? () => Preview(terms.Composite!.detach()) : null);
            }
        }

        timings["full"] = fullClock.Elapsed.TotalSeconds;

        // Stage 4 (optional): geometric details, a displacement map along the normals; the codes stay as fitted.
        using var detail = detailIterations > 0 ? new DisplacementMap(Model, o.DetailResolution) : null;
        Tensor? detailOffsets = null;
        if (detail is not null)
        {
            var detailClock = Stopwatch.StartNew();
            var fitted = new FaceCodes(shape.detach(), expression.detach(), texture.detach(), rotation.detach(), translation.detach(), lighting.detach());
            var baseShape = Model.ComputeShape(fitted.Shape, fitted.Expression).detach();
            var normals = DisplacementMap.BaseNormals(baseShape, _fitting);
            var baseRotation = FaceModel.ComputeRotation(fitted.Rotation);
            using var optimizer = optim.Adam([detail.Map], lr: o.DetailLearningRate);
            for (var it = 1; it <= detailIterations; it++)
            {
                ct.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                optimizer.zero_grad();
                var offsets = detail.Offsets(normals);
                var cameraVertices = camera.ToCameraSpace(FaceModel.ApplyPose(baseShape + offsets, baseRotation, fitted.Translation));
                var terms = loss.Full(fitted, cameraVertices, prepared, critic, landmarkIds);
                var smoothness = detail.Smoothness() * o.DetailSmoothnessWeight;
                var magnitude = detail.Magnitude(offsets) * o.DetailMagnitudeWeight;
                // Photometric and landmark terms as fitted; the recognition-feature terms scaled (they can pull the
                // map into patterns the network likes rather than shapes the photo shows).
                var t = terms.Terms;
                var objective = t["photo"] + t["landmarks"] + ((t["identity"] + t["consistency"]) * o.DetailFeatureWeight) + smoothness + magnitude;
                objective.backward();
                optimizer.step();
                var values = terms.Values();
                values["smoothness"] = smoothness.item<float>();
                values["magnitude"] = magnitude.item<float>();
                values["total"] = objective.item<float>();
                shownOffsets = offsets.detach();
                Report("detail", it, detailIterations, values, PreviewDue(it, detailIterations) ? () => Preview(terms.Composite!.detach()) : null);
                shownOffsets = null;
            }

            using (no_grad())
            {
                detailOffsets = detail.Offsets(normals).detach();
            }

            timings["detail"] = detailClock.Elapsed.TotalSeconds;
        }

        var finishing = Stopwatch.StartNew();
        var result = Finish(image, analysis, faceIndex, face, crop, photo, camera, critic, prepared.IdentityBoxes[0], prepared.PhotoFeatures,
            rotation, translation, shape, expression, texture, lighting, landmarkIds[0], history, timings, o, initialiser, detail, detailOffsets);
        timings["texture"] = finishing.Elapsed.TotalSeconds;
        timings["total"] = clock.Elapsed.TotalSeconds;
        report(new FitProgress
        {
            Stage = "done",
            Iteration = 0,
            StageIterations = 0,
            Fraction = 1,
            Elapsed = clock.Elapsed,
            Losses = history.Count > 0 ? history[^1].Item2 : new Dictionary<string, double>(),
            PreviewPng = result.RenderPng,
            Vertices = result.PosedVertices,
            Result = result,
        });
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

    /// <summary>An optimisable code part (a parameter that owns a copy of <paramref name="initial"/>).</summary>
    private static Parameter Leaf(Tensor initial) => new(initial.detach().clone(), requires_grad: true);

    private static optim.Optimizer Adam(IEnumerable<(Parameter Param, double Lr)> groups) =>
        optim.Adam(groups.Select(g => new Adam.ParamGroup(new[] { g.Param }, g.Lr)).ToArray());

    private static void ClampExpression(Tensor expression)
    {
        using var noGrad = no_grad();
        expression.clamp_(0, 1);
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
        _fitting.Dispose();
        _display.Dispose();
    }
}
