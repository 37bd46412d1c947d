using System.Text.Json.Serialization;

namespace FaceClip.Core.Reconstruction;

/// <summary><c>params.json</c> → <c>code_conventions</c>: what the pose and lighting codes mean, for readers of the file.</summary>
public sealed record FitParametersConventions
{
    /// <summary>The conventions of this version of FaceClip.</summary>
    public static FitParametersConventions Current { get; } = new()
    {
        Rotation = "Euler angles (x, y, z) in radians, R = Rz·Ry·Rx",
        Translation = "cm, applied after rotation; the camera sits at (0, 0, distance) looking down -z",
        Lighting = "second-order SH, 9 coefficients per channel (R, G, B), added to an ambient 0.8",
    };

    /// <summary>How the rotation code is applied.</summary>
    [JsonPropertyName("rotation")]
    public string? Rotation { get; init; }

    /// <summary>How the translation code is applied.</summary>
    [JsonPropertyName("translation")]
    public string? Translation { get; init; }

    /// <summary>How the lighting code is applied.</summary>
    [JsonPropertyName("lighting")]
    public string? Lighting { get; init; }
}
