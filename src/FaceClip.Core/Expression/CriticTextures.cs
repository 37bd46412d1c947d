using FaceClip.Core.Runtime;

namespace FaceClip.Core.Expression;

/// <summary>The names of <see cref="CriticTexture"/>: <c>upper-face</c>, <c>albedo</c>, <c>photo</c>.</summary>
public static class CriticTextures
{
    public static EnumNames<CriticTexture> Names { get; } = new("critic texture", new Dictionary<CriticTexture, string>
    {
        [CriticTexture.UpperFace] = "upper-face",
        [CriticTexture.Albedo] = "albedo",
        [CriticTexture.Photo] = "photo",
    });

    public static string Name(this CriticTexture texture) => Names.Name(texture);

    /// <summary>Reads <c>upper-face</c>, <c>albedo</c> or <c>photo</c> (any case).</summary>
    public static CriticTexture Parse(string? name) => Names.Parse(name);
}
