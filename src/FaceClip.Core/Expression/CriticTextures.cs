namespace FaceClip.Core.Expression;

/// <summary>The names of <see cref="CriticTexture"/>: <c>upper-face</c>, <c>albedo</c>, <c>photo</c>.</summary>
public static class CriticTextures
{
    public static string Name(this CriticTexture texture) => texture switch
    {
        CriticTexture.UpperFace => "upper-face",
        CriticTexture.Albedo => "albedo",
        CriticTexture.Photo => "photo",
        _ => throw new ArgumentOutOfRangeException(nameof(texture)),
    };

    /// <summary>Reads <c>upper-face</c>, <c>albedo</c> or <c>photo</c> (any case).</summary>
    public static CriticTexture Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "upper-face" => CriticTexture.UpperFace,
        "albedo" => CriticTexture.Albedo,
        "photo" => CriticTexture.Photo,
        _ => throw new ArgumentException($"Unknown critic texture '{name}': use upper-face, albedo or photo.", nameof(name)),
    };
}
