namespace FaceClip.Core.Evaluation;

/// <summary>Which detected face an annotated face was taken to be (<see cref="AnnotationMatcher"/>).</summary>
/// <param name="Detection">Index of the detected face, or null when none qualified.</param>
/// <param name="Overlap">Intersection over union of the annotation's landmark box with the matched detection's landmark
/// box; for an unmatched face, with the detection that overlapped it most (0 when none did).</param>
public sealed record AnnotationMatch(int? Detection, double Overlap);
