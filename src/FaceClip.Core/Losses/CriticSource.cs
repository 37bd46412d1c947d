using FaceClip.Core.Runtime;

namespace FaceClip.Core.Losses;

/// <summary>
/// Makes the critic a request asks for: the CLIP critic where its weights are installed (<paramref name="clip"/> is
/// null where they are not), else the embedded one. A request for CLIP without its weights is a
/// <see cref="ModelAssetException"/> that says how to install them.
/// </summary>
/// <param name="embedded">Makes the embedded critic.</param>
/// <param name="clip">Makes the CLIP critic, or null when CLIP's weights are not installed.</param>
/// <param name="clipFiles">The CLIP weight files this critic needs, for the error message.</param>
public sealed class CriticSource<TCritic>(Func<TCritic> embedded, Func<TCritic>? clip, string clipFiles)
    where TCritic : ICritic
{
    /// <summary>Whether the CLIP critic can run (its weights are installed).</summary>
    public bool ClipAvailable => clip is not null;

    /// <summary>The kind that runs for <paramref name="choice"/> here.</summary>
    public CriticKind Resolve(CriticChoice choice) => choice.Resolve(ClipAvailable);

    /// <summary>A new critic for <paramref name="choice"/> (the caller disposes it).</summary>
    public TCritic Create(CriticChoice choice)
    {
        if (Resolve(choice) == CriticKind.Face)
        {
            return embedded();
        }

        return clip is not null ? clip() : throw new ModelAssetException("clip",
            $"The CLIP critic needs OpenAI's CLIP weights ({clipFiles}). Run `faceclip models fetch clip`, or use --critic face.");
    }
}
