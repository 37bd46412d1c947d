using System.Diagnostics;
using System.Runtime.CompilerServices;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// Landmarks against people: on every annotated face of a <see cref="LandmarkSet"/>, the product's face pipeline
/// (detection and 68 landmarks) and, when asked, the product's fit, matched to the annotation by
/// <see cref="AnnotationMatcher"/>. The figures come from <see cref="LandmarkFaceResult"/> and
/// <see cref="LandmarkGroupSummary"/>.
/// </summary>
public sealed class LandmarkBenchmark(Reconstructor reconstructor)
{
    private readonly Reconstructor _reconstructor = reconstructor ?? throw new ArgumentNullException(nameof(reconstructor));

    /// <summary>Measures every face of <paramref name="set"/>, one result per annotated face in the set's order.
    /// <paramref name="fit"/> null: the detector only; otherwise the fit runs with these options on each found face
    /// (its <see cref="ReconstructionOptions.FaceIndex"/> set to the matched detection).</summary>
    public async IAsyncEnumerable<LandmarkFaceResult> RunAsync(LandmarkSet set, ReconstructionOptions? fit,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        foreach (var entry in set.Images)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FaceImage? image = null;
            string? unreadable = null;
            try
            {
                image = FaceImage.Load(set.PathOf(entry));
            }
            catch (FaceImageException ex)
            {
                unreadable = $"image not read: {ex.Message}";
            }

            if (image is null)
            {
                for (var f = 0; f < entry.Faces.Count; f++)
                {
                    yield return new LandmarkFaceResult(entry.File, entry.Source, f, entry.Faces[f], null, null, null, unreadable, 0);
                }

                continue;
            }

            using (image)
            {
                var analysis = _reconstructor.Faces.Analyse(image, expressions: false, descriptors: false);
                var matches = AnnotationMatcher.Match(entry.Faces, analysis.Faces);
                for (var f = 0; f < entry.Faces.Count; f++)
                {
                    var annotation = entry.Faces[f];
                    if (matches[f].Detection is not { } d)
                    {
                        var why = analysis.Faces.Count == 0
                            ? "no face detected in the image"
                            : $"none of the {analysis.Faces.Count} detected face(s) matches it (largest landmark-box overlap {matches[f].Overlap:F2})";
                        yield return new LandmarkFaceResult(entry.File, entry.Source, f, annotation, null, null, null, why, 0);
                        continue;
                    }

                    var detector = analysis.Faces[d].Landmarks;
                    if (fit is null)
                    {
                        yield return new LandmarkFaceResult(entry.File, entry.Source, f, annotation, d, detector, null, null, 0);
                        continue;
                    }

                    var options = fit.Clone();
                    options.FaceIndex = d;
                    var clock = Stopwatch.StartNew();
                    IReadOnlyList<(float X, float Y)>? fitted = null;
                    string? problem = null;
                    try
                    {
                        await foreach (var progress in _reconstructor.RunAsync(image, options, cancellationToken))
                        {
                            if (progress.Result is { } result)
                            {
                                fitted = result.Landmarks2d;
                                result.Dispose();
                            }
                        }
                    }
                    catch (ReconstructionException ex)
                    {
                        problem = $"fit refused: {ex.Message}";
                    }

                    yield return new LandmarkFaceResult(entry.File, entry.Source, f, annotation, d, detector, fitted, problem, clock.Elapsed.TotalSeconds);
                }
            }
        }
    }
}
