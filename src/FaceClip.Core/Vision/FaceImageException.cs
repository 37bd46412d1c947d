namespace FaceClip.Core.Vision;

/// <summary>An image that cannot be analysed: unreadable, corrupt, not an image, or larger than the configured limit.</summary>
public sealed class FaceImageException : Exception
{
    public FaceImageException(string message)
        : base(message)
    {
    }

    public FaceImageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
