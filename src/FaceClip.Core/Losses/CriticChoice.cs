namespace FaceClip.Core.Losses;

/// <summary>The critic a request asks for: <see cref="Auto"/> takes CLIP when its weights are installed, else the
/// embedded one.</summary>
public enum CriticChoice
{
    Auto,
    Clip,
    Face,
}
