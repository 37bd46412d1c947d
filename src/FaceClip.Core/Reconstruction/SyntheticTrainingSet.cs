using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// A synthetic corpus (<see cref="SyntheticCorpus"/>, <c>faceclip synth</c>) made ready for supervised training of the
/// <see cref="ParameterRegressor"/>: each photo cropped as the fitter crops it (<see cref="FaceCrop.Around"/>) round
/// its true landmarks moved as a detector's would be (each point and the whole face jittered), the crop's frozen
/// trunk features computed once, and its targets: the true identity and expression codes, and the true 2D positions
/// in the crop of <see cref="PointCount"/> face vertices (the 68 landmark vertices and a spread of the front face),
/// which fix the pose through the crop camera without converting the photo's camera into the fitter's. The
/// supervised loss (<see cref="Loss"/>) weighs those points' reprojection error, the 3D error of the unposed points
/// (identity and expression) and the codes' own errors.
/// </summary>
public sealed class SyntheticTrainingSet : IDisposable
{
    private readonly Tensor _identityBasis;
    private readonly Tensor _expressionBasis;
    private readonly Tensor _mean;

    private SyntheticTrainingSet(Tensor features, Tensor shape, Tensor expression, Tensor points, int[] vertices, FaceModel model, int cropSize)
    {
        Features = features;
        Shape = shape;
        Expression = expression;
        Points = points;
        Vertices = vertices;
        CropSize = cropSize;
        Camera = ReconstructionLoss.CropCamera(cropSize);
        using var scope = NewDisposeScope();
        using var ids = tensor(vertices.Select(v => (long)v).ToArray(), device: model.Device);
        var v = model.VertexCount;
        _identityBasis = model.IdentityBasis.view(model.Layout.Shape, v, 3).index_select(1, ids).reshape(model.Layout.Shape, -1).contiguous().DetachFromDisposeScope();
        _expressionBasis = model.ExpressionBasis.view(model.Layout.Expression, v, 3).index_select(1, ids).reshape(model.Layout.Expression, -1).contiguous().DetachFromDisposeScope();
        _mean = model.MeanShape.index_select(0, ids).contiguous().DetachFromDisposeScope();
    }

    /// <summary>Trunk features [N, 128, 8, 8].</summary>
    public Tensor Features { get; }

    /// <summary>True identity codes [N, nα].</summary>
    public Tensor Shape { get; }

    /// <summary>True expression codes [N, nβ].</summary>
    public Tensor Expression { get; }

    /// <summary>True positions of <see cref="Vertices"/> in the crop's pixels, [N, P, 2].</summary>
    public Tensor Points { get; }

    /// <summary>The model vertices whose positions are supervised (the 68 landmark vertices first).</summary>
    public int[] Vertices { get; }

    public int CropSize { get; }

    public PerspectiveCamera Camera { get; }

    public int Count => (int)Features.shape[0];

    public int PointCount => Vertices.Length;

    /// <summary>The supervised vertices: the model's 68 landmark vertices, then every few of the front face's
    /// (<see cref="SyntheticBenchmark.EvaluationVertices"/>), about <paramref name="spread"/> of them.</summary>
    public static int[] SupervisedVertices(FaceModelData data, int spread = 256)
    {
        ArgumentNullException.ThrowIfNull(data);
        var front = SyntheticBenchmark.EvaluationVertices(data);
        var step = Math.Max(1, front.Length / spread);
        return data.Landmarks.Concat(front.Where((_, i) => i % step == 0)).ToArray();
    }

    /// <summary>Crops, encodes and labels every face of the corpus at <paramref name="directory"/> (the first
    /// <paramref name="limit"/> when given). <paramref name="progress"/> hears the faces done and the faces to do.</summary>
    public static SyntheticTrainingSet Build(Reconstructor reconstructor, ParameterRegressor regressor, string directory, int cropSize, double cropScale, int seed,
        int? limit = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reconstructor);
        ArgumentNullException.ThrowIfNull(regressor);
        var (info, labels) = SyntheticCorpus.Read(directory);
        var model = reconstructor.Model;
        if (info.IdentityModes != model.Layout.Shape || !info.ExpressionNames.SequenceEqual(model.Data.ExpressionNames))
        {
            throw new InvalidDataException($"{directory} was drawn for {info.IdentityModes} identity modes and {info.ExpressionNames.Length} blendshapes; the face model has {model.Layout.Shape} and {model.Layout.Expression}.");
        }

        var chosen = labels.Take(limit ?? int.MaxValue).ToList();
        if (chosen.Count == 0)
        {
            throw new InvalidDataException($"{directory} holds no faces yet; write some with `faceclip synth`.");
        }

        var data = model.Data;
        var vertices = SupervisedVertices(data);
        var random = new Random(seed);
        var features = new List<Tensor>();
        var points = new float[chosen.Count * vertices.Length * 2];
        const int Chunk = 16;
        for (var start = 0; start < chosen.Count; start += Chunk)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var crops = new List<Tensor>();
            for (var k = start; k < Math.Min(start + Chunk, chosen.Count); k++)
            {
                var label = chosen[k];
                using var image = FaceImage.Decode(File.ReadAllBytes(Path.Combine(directory, label.Image)), label.Image, device: model.Device);
                var crop = FaceCrop.Around(Jittered(label.Landmarks, random), cropSize, cropScale);
                crops.Add(crop.Extract(image.Pixels));
                Project(data, label, vertices, crop, points.AsSpan(k * vertices.Length * 2, vertices.Length * 2));
            }

            features.Add(regressor.Coarse(cat(crops, 0)).MoveToOuterDisposeScope());
            progress?.Report((Math.Min(start + Chunk, chosen.Count), chosen.Count));
        }

        var device = model.Device;
        var all = cat(features, 0);
        features.ForEach(f => f.Dispose());
        return new SyntheticTrainingSet(
            all,
            tensor(chosen.SelectMany(l => l.Identity).ToArray(), device: device).view(chosen.Count, -1),
            tensor(chosen.SelectMany(l => l.Expression).ToArray(), device: device).view(chosen.Count, -1),
            tensor(points, device: device).view(chosen.Count, vertices.Length, 2),
            vertices, model, cropSize);
    }

    /// <summary>The supervised loss of <paramref name="regressor"/>'s prediction for faces <paramref name="indices"/>.</summary>
    public ReconstructionTerms Loss(ParameterRegressor regressor, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(regressor);
        return Loss(regressor.Layout.Split(regressor.Predict(Features.index_select(0, indices))), indices);
    }

    /// <summary>The supervised loss of codes predicted for faces <paramref name="indices"/>: "points" (mean
    /// reprojection error of the supervised vertices, % of the crop's side), "vertices" (mean 3D error of the unposed
    /// supervised vertices, mm), "shape" and "expression" (mean squared code errors); the total is their sum with the
    /// shape's at 0.1.</summary>
    public ReconstructionTerms Loss(FaceCodes c, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(indices);
        var batch = c.Shape.shape[0];
        var shapeError = c.Shape - Shape.index_select(0, indices);
        var expressionError = c.Expression - Expression.index_select(0, indices);
        var offsets = shapeError.mm(_identityBasis).addmm_(expressionError, _expressionBasis).view(batch, PointCount, 3);
        var vertices = Length(offsets).mean() * 10;
        var shape = (c.Shape.mm(_identityBasis).addmm_(c.Expression, _expressionBasis).view(batch, PointCount, 3)) + _mean;
        var posed = FaceModel.ApplyPose(shape, FaceModel.ComputeRotation(c.Rotation), c.Translation);
        var projected = Camera.Project(Camera.ToCameraSpace(posed)).narrow(2, 0, 2);
        var pixels = Length(projected - Points.index_select(0, indices));
        var reprojection = pixels.clamp_max(CropSize).mean() * (100.0 / CropSize);
        var shapeTerm = shapeError.square().mean();
        var expressionTerm = expressionError.square().mean();
        var terms = new Dictionary<string, Tensor>
        {
            ["points"] = reprojection,
            ["vertices"] = vertices,
            ["shape"] = shapeTerm,
            ["expression"] = expressionTerm,
        };
        return new ReconstructionTerms(reprojection + vertices + (0.1 * shapeTerm) + expressionTerm, terms, null);
    }

    private static Tensor Length(Tensor vectors) => (vectors.square().sum(-1) + 1e-12).sqrt();

    /// <summary>The typical translation of the corpus' faces in the crop camera (what the regressor's predicted
    /// translation is an offset from): the landmark-based placement of the fitter's cold start, averaged.</summary>
    public Tensor TypicalTranslation(Reconstructor reconstructor)
    {
        ArgumentNullException.ThrowIfNull(reconstructor);
        using var scope = NewDisposeScope();
        var landmarks = Points.narrow(1, 0, 68);
        var all = Enumerable.Range(0, Count).Select(i => reconstructor.InitialTranslation(landmarks.narrow(0, i, 1), Camera)).ToArray();
        return cat(all, 0).mean([0]).MoveToOuterDisposeScope();
    }

    /// <summary>The landmarks as a detector might report them: the face shifted and scaled a little, each point
    /// moved a little (Gaussian, relative to the face's size).</summary>
    private static (float X, float Y)[] Jittered(float[][] landmarks, Random random)
    {
        var xs = landmarks.Select(p => p[0]).ToArray();
        var ys = landmarks.Select(p => p[1]).ToArray();
        var size = Math.Max(xs.Max() - xs.Min(), ys.Max() - ys.Min());
        var (cx, cy) = (xs.Average(), ys.Average());
        var scale = 1 + (0.04 * ReferenceRenderer.Gaussian(random));
        var (sx, sy) = (0.03 * size * ReferenceRenderer.Gaussian(random), 0.03 * size * ReferenceRenderer.Gaussian(random));
        return landmarks.Select(p => (
            (float)(cx + ((p[0] - cx) * scale) + sx + (0.015 * size * ReferenceRenderer.Gaussian(random))),
            (float)(cy + ((p[1] - cy) * scale) + sy + (0.015 * size * ReferenceRenderer.Gaussian(random))))).ToArray();
    }

    /// <summary>The true positions of <paramref name="vertices"/> in the crop: the face's vertices posed and projected by
    /// the photo's own camera, then mapped into the crop.</summary>
    private static void Project(FaceModelData data, SyntheticCorpusLabel label, int[] vertices, FaceCrop crop, Span<float> into)
    {
        var all = SyntheticFaceGenerator.Vertices(data, label.Identity, label.Expression);
        var chosen = vertices.SelectMany(v => new[] { all[v * 3], all[(v * 3) + 1], all[(v * 3) + 2] }).ToArray();
        var camera = ReferenceRenderer.CameraPoints(label.Yaw, label.Pitch, label.Roll, label.Position, chosen);
        var (x, y) = ReferenceRenderer.Project(label.Focal, label.Width, label.Height, camera, 1);
        for (var i = 0; i < vertices.Length; i++)
        {
            var (u, w) = crop.ToCrop(x[i], y[i]);
            into[i * 2] = (float)u;
            into[(i * 2) + 1] = (float)w;
        }
    }

    public void Dispose()
    {
        Features.Dispose();
        Shape.Dispose();
        Expression.Dispose();
        Points.Dispose();
        _identityBasis.Dispose();
        _expressionBasis.Dispose();
        _mean.Dispose();
    }
}
