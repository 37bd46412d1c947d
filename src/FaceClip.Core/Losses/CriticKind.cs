namespace FaceClip.Core.Losses;

/// <summary>Which network scores renders: OpenAI's CLIP, or the embedded face-api networks.</summary>
public enum CriticKind
{
    /// <summary>OpenAI's CLIP (its weights installed with <c>faceclip models fetch clip</c>).</summary>
    Clip,

    /// <summary>The embedded face-api networks (recognition features for the fit, the expression net for a transfer).</summary>
    Face,
}
