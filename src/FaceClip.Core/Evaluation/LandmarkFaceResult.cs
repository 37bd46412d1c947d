namespace FaceClip.Core.Evaluation;

/// <summary>What the landmark benchmark measured on one annotated face (<see cref="LandmarkBenchmark"/>).</summary>
/// <param name="Image">The image, relative to the set's folder.</param>
/// <param name="Source">The image's group (<see cref="AnnotatedImage.Source"/>).</param>
/// <param name="Face">Index of the face among the image's annotated faces.</param>
/// <param name="Annotation">The people's landmarks.</param>
/// <param name="Detection">Index of the matched detected face, or null when none matched.</param>
/// <param name="DetectorLandmarks">The detector's 68 landmarks of the matched face, image pixels (null: not found).</param>
/// <param name="FitLandmarks">The fitted model's 68 landmarks projected into the image (null: not fitted).</param>
/// <param name="Problem">Why the face was not found or not fitted (null when it was fitted, or the fit was not asked for).</param>
/// <param name="Seconds">Seconds the fit took (0 without a fit).</param>
public sealed record LandmarkFaceResult(
    string Image,
    string Source,
    int Face,
    AnnotatedFace Annotation,
    int? Detection,
    IReadOnlyList<(float X, float Y)>? DetectorLandmarks,
    IReadOnlyList<(float X, float Y)>? FitLandmarks,
    string? Problem,
    double Seconds)
{
    /// <summary>Whether a detected face was matched to the annotation.</summary>
    public bool Found => DetectorLandmarks is not null;

    /// <summary>Whether the fit ran to the end on it.</summary>
    public bool Fitted => FitLandmarks is not null;

    /// <summary>The detector's NME over the annotation's outer-eye-corner distance.</summary>
    public double? DetectorNmeEyes => DetectorLandmarks is { } p ? LandmarkError.NmeByOuterEyeCorners(p, Annotation.Landmarks) : null;

    /// <summary>The detector's NME over √(area) of the annotation's landmark box.</summary>
    public double? DetectorNmeBox => DetectorLandmarks is { } p ? LandmarkError.NmeByLandmarkBox(p, Annotation.Landmarks) : null;

    /// <summary>The fitted landmarks' NME over the annotation's outer-eye-corner distance.</summary>
    public double? FitNmeEyes => FitLandmarks is { } p ? LandmarkError.NmeByOuterEyeCorners(p, Annotation.Landmarks) : null;

    /// <summary>The fitted landmarks' NME over √(area) of the annotation's landmark box.</summary>
    public double? FitNmeBox => FitLandmarks is { } p ? LandmarkError.NmeByLandmarkBox(p, Annotation.Landmarks) : null;
}
