using System.Text.Json.Serialization;

namespace FaceClip.Core.Reconstruction;

/// <summary><c>params.json</c> → <c>photo</c>: the photo a fit was made on.</summary>
public sealed record FitParametersPhoto
{
    /// <summary>The photo's file name (no folder).</summary>
    [JsonPropertyName("file")]
    public string? File { get; init; }

    /// <summary>Width in pixels.</summary>
    [JsonPropertyName("width")]
    public int? Width { get; init; }

    /// <summary>Height in pixels.</summary>
    [JsonPropertyName("height")]
    public int? Height { get; init; }
}
