using System.Diagnostics;
using System.Runtime.CompilerServices;
using FaceClip.Core.Geometry;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using SkiaSharp;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>One synthetic face's figures. Errors are mean per-vertex distances in mm over
/// <see cref="SyntheticBenchmark.EvaluationVertices"/> after a similarity alignment.</summary>
/// <param name="Face">The face as drawn.</param>
/// <param name="Photo">Its photograph.</param>
/// <param name="Failure">Why it was not fitted (no face found, the wrong face, too small), else null.</param>
/// <param name="FitMm">The fit's error.</param>
/// <param name="MeanFaceMm">The mean face's error (the model's neutral template).</param>
/// <param name="LandmarkStagesMm">The error of the codes the landmark-only stages reached, in the same fit.</param>
/// <param name="ExpressionMm">The fitted expression on the true identity against the truth: the expression's own error.</param>
/// <param name="IdentityCorrelation">Pearson's correlation of the fitted and the true identity code.</param>
/// <param name="Nme68">Mean distance of the fitted model's 68 landmarks to the true ones over the true outer-eye-corner distance.</param>
/// <param name="DetectorNme68">The same for the detector's landmarks (what the fit starts from).</param>
/// <param name="Seconds">Wall time of the fit.</param>
public sealed record SyntheticFaceResult(SyntheticFace Face, SyntheticPhoto Photo, string? Failure, double FitMm, double MeanFaceMm, double LandmarkStagesMm,
    double ExpressionMm, double IdentityCorrelation, double Nme68, double DetectorNme68, double Seconds)
{
    public bool Fitted => Failure is null;

    /// <summary>The fit's overlay on the photo, PNG (null when not fitted).</summary>
    public byte[]? OverlayPng { get; init; }
}

/// <summary>
/// <c>faceclip bench synthetic</c>'s engine: draws faces (<see cref="SyntheticFaceGenerator"/>), photographs them with
/// the <see cref="ReferenceRenderer"/> (never the fitter's renderer), fits each photo with the given options through
/// the product's own path (<see cref="Reconstructor.RunAsync(FaceImage, ReconstructionOptions, CancellationToken)"/>
/// on the decoded JPEG) and measures the result in 3D against the truth.
/// </summary>
public sealed class SyntheticBenchmark
{
    private readonly Reconstructor _reconstructor;
    private readonly ReferenceRenderer _renderer;
    private readonly SyntheticFaceGenerator _generator;
    private readonly int[] _vertices;

    public SyntheticBenchmark(Reconstructor reconstructor, IReadOnlyList<SKBitmap>? backgrounds = null)
    {
        _reconstructor = reconstructor ?? throw new ArgumentNullException(nameof(reconstructor));
        var data = reconstructor.Model.Data;
        _renderer = new ReferenceRenderer(data, backgrounds);
        _generator = new SyntheticFaceGenerator(data, reconstructor.Model.Layout.Shape);
        _vertices = EvaluationVertices(data);
    }

    /// <summary>
    /// The vertices the 3D errors are measured on: the fitting region, <see cref="FaceModelData.FrontFaceVertexMask"/>
    /// — the face from 3.5 cm above the brows down to the jaw line, between the jaw-line landmarks 0 and 16 (no ears,
    /// neck, scalp, eyeballs or mouth interior).
    /// </summary>
    public static int[] EvaluationVertices(FaceModelData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var mask = data.FrontFaceVertexMask();
        return data.VerticesOfTriangles(data.FittingTriangleIds()).Distinct().Where(v => mask[v]).Order().ToArray();
    }

    /// <summary>The faces of a run (drawn, not yet photographed).</summary>
    public IReadOnlyList<SyntheticFace> Faces(int count, int seed) => _generator.Draw(count, seed);

    /// <summary>Photographs one face (its true vertices are the model's with the face's codes), with the geometric
    /// detail of <paramref name="displacement"/> when given (<see cref="WrinkleMap"/>).</summary>
    public SyntheticPhoto Photograph(SyntheticFace face, float[]? displacement = null)
    {
        ArgumentNullException.ThrowIfNull(face);
        return _renderer.Render(face, TrueVertices(face), displacement);
    }

    /// <summary>The face's true unposed vertices, V*3.</summary>
    public float[] TrueVertices(SyntheticFace face) =>
        SyntheticFaceGenerator.Vertices(_reconstructor.Model.Data, face.Identity, face.Expression);

    /// <summary>Fits and measures each face in order.</summary>
    public async IAsyncEnumerable<SyntheticFaceResult> RunAsync(IEnumerable<(SyntheticFace Face, SyntheticPhoto Photo)> faces, Func<ReconstructionOptions> options,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (face, photo) in faces)
        {
            ct.ThrowIfCancellationRequested();
            yield return await MeasureAsync(face, photo, options(), ct);
        }
    }

    /// <summary>Fits and measures one face in its photo (<see cref="Photograph"/>).</summary>
    public async Task<SyntheticFaceResult> MeasureAsync(SyntheticFace face, SyntheticPhoto photo, ReconstructionOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(options);
        var data = _reconstructor.Model.Data;
        var truth = photo.Vertices;
        var meanFace = SurfaceError.Aligned(data.Neutral, truth, _vertices) * 10;
        var clock = Stopwatch.StartNew();
        var (result, failure) = await FitAsync(face, photo, options, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        if (result is null)
        {
            return new SyntheticFaceResult(face, photo, failure ?? "The fit ended without a result.", double.NaN, meanFace, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, seconds);
        }

        using (result)
        {
            var box = result.FaceBox;
            var (cx, cy) = (box.X + (box.Width / 2), box.Y + (box.Height / 2));
            var xs = photo.Landmarks.Select(l => (double)l.X).ToArray();
            var ys = photo.Landmarks.Select(l => (double)l.Y).ToArray();
            if (cx < xs.Min() || cx > xs.Max() || cy < ys.Min() || cy > ys.Max())
            {
                return new SyntheticFaceResult(face, photo, "The fitted face is not the synthetic face (a face found in the background).", double.NaN, meanFace,
                    double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, seconds);
            }

            var layout = result.Layout;
            var fitted = SurfaceError.Aligned(result.Vertices, truth, _vertices) * 10;
            var landmarkStages = result.StageCodes.TryGetValue(OptimisationStage.Shape, out var staged)
                ? SurfaceError.Aligned(Shape(staged, layout), truth, _vertices) * 10
                : double.NaN;
            var expressionOnTruth = SyntheticFaceGenerator.Vertices(data, face.Identity, result.Codes.AsSpan(layout.ExpressionOffset, layout.Expression).ToArray());
            var expression = SurfaceError.Aligned(expressionOnTruth, truth, _vertices) * 10;
            var correlation = SurfaceError.Correlation(result.Codes.AsSpan(layout.ShapeOffset, layout.Shape).ToArray(), face.Identity);
            var nme = LandmarkError.NmeByOuterEyeCorners(result.Landmarks2d, photo.Landmarks);
            var detectorNme = LandmarkError.NmeByOuterEyeCorners(result.DetectedLandmarks2d, photo.Landmarks);
            return new SyntheticFaceResult(face, photo, null, fitted, meanFace, landmarkStages, expression, correlation, nme, detectorNme, seconds)
            {
                OverlayPng = result.OverlayPng,
            };
        }
    }

    /// <summary>Fits a face's photo through the product's path (the decoded JPEG): the result, or why there is none.</summary>
    public async Task<(ReconstructionResult? Result, string? Failure)> FitAsync(SyntheticFace face, SyntheticPhoto photo, ReconstructionOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(photo);
        ReconstructionResult? result = null;
        using var image = FaceImage.Decode(photo.Jpeg, $"synthetic face {face.Index}");
        try
        {
            await foreach (var p in _reconstructor.RunAsync(image, options, ct))
            {
                result = p.Result ?? result;
            }
        }
        catch (ReconstructionException ex)
        {
            return (null, ex.Message);
        }

        return (result, null);
    }

    private float[] Shape(float[] codes, FaceCodeLayout layout) =>
        SyntheticFaceGenerator.Vertices(_reconstructor.Model.Data, codes.AsSpan(layout.ShapeOffset, layout.Shape).ToArray(), codes.AsSpan(layout.ExpressionOffset, layout.Expression).ToArray());
}
