using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// The reconstruction loss on a batch of faces, shared by the fitter (<see cref="Reconstructor"/>, B = 1, codes are
/// leaves) and the regressor's training (<see cref="RegressorTrainer"/>, codes predicted): renders the codes into
/// their crops and weighs photometric, landmark, identity, feature-consistency, regularisation and lighting terms
/// with the weights of <see cref="ReconstructionOptions"/>. Holds the per-face jaw-line landmark choice
/// (<see cref="UpdateContour"/>) between calls.
/// </summary>
public sealed class ReconstructionLoss : IDisposable
{
    private readonly FaceModel _model;
    private readonly MeshTopology _fitting;
    private readonly MeshRenderer _renderer;
    private readonly Tensor _landmarkWeights;
    private readonly ReconstructionOptions _weights;

    public ReconstructionLoss(FaceModel model, MeshTopology fitting, FaceRecognitionNet recognition, PerspectiveCamera camera, ReconstructionOptions weights)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _fitting = fitting ?? throw new ArgumentNullException(nameof(fitting));
        Recognition = recognition ?? throw new ArgumentNullException(nameof(recognition));
        Camera = camera ?? throw new ArgumentNullException(nameof(camera));
        _weights = weights ?? throw new ArgumentNullException(nameof(weights));
        _renderer = new MeshRenderer(camera);
        _landmarkWeights = tensor(LandmarkLoss.NoiseWeights(), device: model.Device).DetachFromDisposeScope();
    }

    /// <summary>The camera of a crop of side <paramref name="cropSize"/> (focal scaled from the paper's 224-pixel crop).</summary>
    public static PerspectiveCamera CropCamera(int cropSize) =>
        new(cropSize, cropSize, Focal: 1015.0 * cropSize / 224, Distance: 125);

    public PerspectiveCamera Camera { get; }

    public FaceRecognitionNet Recognition { get; }

    /// <summary>Camera-space vertices [B, V, 3] of the codes.</summary>
    public Tensor CameraVertices(FaceCodes c, Tensor? offsets = null) => _model.CameraVertices(c, Camera, offsets);

    /// <summary>The 68 model landmarks projected into the crop, [B, 68, 2], with each face's current landmark vertices.</summary>
    public Tensor ProjectedLandmarks(Tensor cameraVertices, long[][] landmarkIds)
    {
        var batch = cameraVertices.shape[0];
        var flat = landmarkIds.SelectMany(ids => ids).ToArray();
        using var ids = tensor(flat, device: cameraVertices.device).view(batch, 68, 1).expand(batch, 68, 3);
        return Camera.Project(cameraVertices.gather(1, ids)).narrow(2, 0, 2);
    }

    /// <summary>The dense landmarks' model points projected into the crop, [B, P, 2]: each point the barycentric
    /// combination of its triangle's camera-space vertices (<see cref="DenseTarget"/>).</summary>
    public Tensor ProjectedDense(Tensor cameraVertices, DenseTarget dense)
    {
        var batch = cameraVertices.shape[0];
        var points = dense.Barycentrics.shape[0];
        using var ids = dense.VertexIds.view(1, -1, 1).expand(batch, -1, 3);
        var corners = cameraVertices.gather(1, ids).view(batch, points, 3, 3);
        var surface = (corners * dense.Barycentrics.view(1, points, 3, 1)).sum(2);
        return Camera.Project(surface).narrow(2, 0, 2);
    }

    /// <summary>The dense term, weighted: the posterior's share of it (<see cref="DenseTarget.Scale"/>) times the
    /// regularisation weight, as the 68 landmarks' term is. The points fixed on the skin count their distance to the
    /// network's; the silhouette's (<see cref="DenseTarget.Silhouette"/>) their distance along the outline's normal,
    /// under the same noise model.</summary>
    private Tensor Dense(Tensor cameraVertices, DenseTarget dense)
    {
        var term = DenseLandmarkLoss.Compute(ProjectedDense(cameraVertices, dense), dense.Target, dense.Weights, dense.Sigma);
        if (dense.Silhouette is { } silhouette)
        {
            var sigma = dense.Sigma.narrow(0, 0, 1);
            term += (silhouette.Residuals(cameraVertices, Camera).square() / sigma.square()).log1p().sum(-1).mean();
        }

        return term * (dense.Scale * _weights.RegularizationWeight);
    }

    /// <summary>For each face, the dense silhouette points' current silhouette vertices (<see cref="DenseSilhouette.Update"/>).</summary>
    public void UpdateSilhouette(Tensor cameraVertices, DenseTarget? dense) => dense?.Silhouette?.Update(cameraVertices, Camera);

    /// <summary>Fresh landmark vertex ids for a batch (the model's 68 landmarks, before any contour update).</summary>
    public long[][] InitialLandmarkIds(int batch) =>
        Enumerable.Range(0, batch).Select(_ => _model.Data.Landmarks.Select(i => (long)i).ToArray()).ToArray();

    /// <summary>For each face and jaw-line landmark, the candidate contour vertex whose projection is nearest the
    /// detected point (the visible silhouette moves along the jaw as the head turns).</summary>
    public void UpdateContour(Tensor cameraVertices, Tensor target, long[][] landmarkIds)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var candidates = _model.Data.ContourCandidates;
        var flat = candidates.SelectMany(c => c).Select(i => (long)i).ToArray();
        var projected = Camera.Project(cameraVertices.index_select(1, tensor(flat, device: cameraVertices.device))).cpu().data<float>().ToArray();
        var goal = target.cpu().data<float>().ToArray();
        var perFace = flat.Length * 3;
        for (var b = 0; b < landmarkIds.Length; b++)
        {
            var offset = 0;
            for (var k = 0; k < candidates.Length; k++)
            {
                var best = double.MaxValue;
                for (var j = 0; j < candidates[k].Length; j++)
                {
                    var du = projected[(b * perFace) + ((offset + j) * 3)] - goal[(b * 136) + (2 * k)];
                    var dv = projected[(b * perFace) + ((offset + j) * 3) + 1] - goal[(b * 136) + (2 * k) + 1];
                    var d = (du * du) + (dv * dv);
                    if (d < best)
                    {
                        best = d;
                        landmarkIds[b][k] = candidates[k][j];
                    }
                }

                offset += candidates[k].Length;
            }
        }
    }

    /// <summary>The landmark-only loss of the first two fitting stages: the landmarks under their noise model plus the
    /// codes' prior — with the default weights twice the negative log posterior, scaled by the regularisation weight.</summary>
    public ReconstructionTerms Landmarks(FaceCodes c, Tensor cameraVertices, Tensor target, long[][] landmarkIds, DenseTarget? dense = null)
    {
        var lm = LandmarkLoss.Compute(ProjectedLandmarks(cameraVertices, landmarkIds), target, _landmarkWeights) * _weights.EffectiveLandmarkWeight;
        var reg = Prior(c);
        var terms = new Dictionary<string, Tensor> { ["landmarks"] = lm, ["regularization"] = reg };
        var total = lm + reg;
        if (dense is not null)
        {
            var d = Dense(cameraVertices, dense);
            terms["dense"] = d;
            total += d;
        }

        return new ReconstructionTerms(total, terms, null);
    }

    /// <summary>Everything the target needs from the photo crops before the loss can be computed: the identity boxes,
    /// the photos' recognition features (detached) and, from a first render of <paramref name="initial"/>, the skin
    /// probability of each pixel. The critic is told its targets.</summary>
    public ReconstructionTarget Prepare(Tensor photo, Tensor landmarks, FaceCodes initial, IFeatureCritic critic)
    {
        var batch = (int)photo.shape[0];
        var boxes = Enumerable.Range(0, batch).Select(b => IdentityBox(landmarks[b])).ToArray();
        RecognitionFeatures features;
        Tensor skin;
        using (no_grad())
        {
            var identity = Recognition.ForwardWithFeatures(CropResize(photo, boxes));
            features = new RecognitionFeatures(identity.Descriptors.detach(), identity.Features.Select(f => f.detach()).ToList());
            var first = _renderer.Render(CameraVertices(initial), _fitting, _model.ComputeAlbedo(initial.Texture), initial.Lighting, cullBackFaces: true);
            skin = cat(Enumerable.Range(0, batch).Select(b => Reconstructor.SkinProbability(photo.narrow(0, b, 1), first.Mask.narrow(0, b, 1))).ToArray(), 0).detach();
        }

        critic.SetTarget(photo, features);
        return new ReconstructionTarget(photo, landmarks, boxes, features, skin);
    }

    /// <summary>All terms: photometric (robust, skin-weighted), landmarks, identity, feature consistency,
    /// regularisation and the lighting prior, each already weighted; the total is their sum (a mean over the batch).</summary>
    public ReconstructionTerms Full(FaceCodes c, Tensor cameraVertices, ReconstructionTarget t, IFeatureCritic critic, long[][] landmarkIds, DenseTarget? dense = null)
    {
        var batch = (int)t.Photo.shape[0];
        var rendered = _renderer.Render(cameraVertices, _fitting, _model.ComputeAlbedo(c.Texture), c.Lighting, cullBackFaces: true);
        var mask = rendered.Mask;
        var composite = (rendered.Image * mask) + (t.Photo * (1 - mask));
        var robust = batch == 1
            ? PhotometricLoss.RobustWeights(t.Photo, rendered.Image, mask)
            : cat(Enumerable.Range(0, batch).Select(b => PhotometricLoss.RobustWeights(t.Photo.narrow(0, b, 1), rendered.Image.narrow(0, b, 1), mask.narrow(0, b, 1))).ToArray(), 0);
        var photoLoss = PhotometricLoss.Compute(t.Photo, rendered.Image, robust * t.Skin) * _weights.PhotoWeight;
        var lm = LandmarkLoss.Compute(ProjectedLandmarks(cameraVertices, landmarkIds), t.Landmarks, _landmarkWeights) * _weights.EffectiveLandmarkWeight;
        var identity = Recognition.ForwardWithFeatures(CropResize(composite, t.IdentityBoxes));
        var renderFeatures = new RecognitionFeatures(identity.Descriptors, identity.Features);
        var id = IdentityLoss.Compute(t.PhotoFeatures.Descriptors, renderFeatures.Descriptors) * _weights.IdentityWeight;
        var cl = critic.Loss(composite, renderFeatures) * _weights.ConsistencyWeight;
        var reg = Prior(c);
        var light = CodeRegularization.MonochromeLighting(c.Lighting) * _weights.LightingWeight;
        var terms = new Dictionary<string, Tensor>
        {
            ["photo"] = photoLoss,
            ["landmarks"] = lm,
            ["identity"] = id,
            ["consistency"] = cl,
            ["regularization"] = reg,
            ["lighting"] = light,
        };
        var total = photoLoss + lm + id + cl + reg + light;
        if (dense is not null)
        {
            var d = Dense(cameraVertices, dense);
            terms["dense"] = d;
            total += d;
        }

        return new ReconstructionTerms(total, terms, composite);
    }

    /// <summary>The codes rendered over the photo crop, without gradients: what a preview shows where the loss renders
    /// nothing (the landmark stages).</summary>
    public Tensor Composite(FaceCodes c, Tensor photo, SurfaceDetail? detail = null)
    {
        using var noGrad = no_grad();
        var rendered = _renderer.Render(CameraVertices(c), _fitting, _model.ComputeAlbedo(c.Texture), c.Lighting, cullBackFaces: true, detail: detail);
        return (rendered.Image * rendered.Mask) + (photo * (1 - rendered.Mask));
    }

    /// <summary>Each pixel's skin probability [1, 1, S, S] in a photo crop [1, 3, S, S] under the render of <paramref name="c"/>
    /// (as <see cref="Prepare"/> measures it for the fit).</summary>
    public Tensor Skin(Tensor photo, FaceCodes c)
    {
        using var noGrad = no_grad();
        var first = _renderer.Render(CameraVertices(c), _fitting, _model.ComputeAlbedo(c.Texture), c.Lighting, cullBackFaces: true);
        return Reconstructor.SkinProbability(photo, first.Mask).detach();
    }

    /// <summary>The detail pass's term (<see cref="DetailPhotometricLoss"/>, weighted as the photometric term): the
    /// codes' render with <paramref name="detail"/> normal-mapped against the photo crop's fine shading, over its skin
    /// (<paramref name="skin"/>). <paramref name="cameraVertices"/> are the fitted codes' (fixed while the map is fitted).</summary>
    public ReconstructionTerms Detail(FaceCodes c, Tensor cameraVertices, Tensor photo, Tensor skin, SurfaceDetail detail)
    {
        var rendered = _renderer.Render(cameraVertices, _fitting, _model.ComputeAlbedo(c.Texture), c.Lighting, cullBackFaces: true, detail: detail);
        var mask = rendered.Mask;
        Tensor weights;
        using (no_grad())
        {
            weights = PhotometricLoss.RobustWeights(photo, rendered.Image, mask) * skin * mask;
        }

        var band = _weights.DetailBand * Camera.Width / 224.0;
        var term = DetailPhotometricLoss.Compute(photo, rendered.Image, weights, band) * _weights.PhotoWeight;
        var composite = (rendered.Image * mask) + (photo * (1 - mask));
        return new ReconstructionTerms(term, new Dictionary<string, Tensor> { ["photo"] = term }, composite);
    }

    private Tensor Prior(FaceCodes c) => CodeRegularization.Prior(c.Shape, c.Expression, c.Texture, _weights.ExpressionScale) * _weights.RegularizationWeight;

    /// <summary>face-api's descriptor crop (a square around the eyes and mouth) in crop pixels, from [68, 2] landmarks.</summary>
    public static FaceBox IdentityBox(Tensor landmarks)
    {
        var p = landmarks.cpu().data<float>().ToArray();
        var points = Enumerable.Range(0, 68).Select(i => (X: (double)p[2 * i], Y: (double)p[(2 * i) + 1])).ToArray();
        return FaceAligner.DescriptorBox(points);
    }

    private static Tensor CropResize(Tensor images, FaceBox[] boxes) =>
        boxes.Length == 1
            ? FaceCrop.CropResize(images, boxes[0], FaceRecognitionNet.InputSize)
            : cat(boxes.Select((box, b) => FaceCrop.CropResize(images.narrow(0, b, 1), box, FaceRecognitionNet.InputSize)).ToArray(), 0);

    public void Dispose() => _landmarkWeights.Dispose();
}
