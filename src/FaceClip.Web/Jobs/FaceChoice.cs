using FaceClip.Core.Vision;

namespace FaceClip.Web.Jobs;

/// <summary>Which face of a photo a job fits. The studio preselects it and the worker applies it to jobs that name
/// none (the REST API's default), so both take the same face: the largest box, as the fit itself does.</summary>
public static class FaceChoice
{
    /// <summary>The index of the largest face, or null when there is none.</summary>
    public static int? Largest(IReadOnlyList<DetectedFace> faces) =>
        faces.Count == 0 ? null : Enumerable.Range(0, faces.Count).MaxBy(i => faces[i].Box.Area);

    /// <summary>The face asked for, else the largest one.</summary>
    public static int? Resolve(int? requested, IReadOnlyList<DetectedFace> faces) => requested ?? Largest(faces);
}
