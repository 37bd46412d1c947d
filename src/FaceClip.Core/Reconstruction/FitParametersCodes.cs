using System.Text.Json.Serialization;

namespace FaceClip.Core.Reconstruction;

/// <summary><c>params.json</c> → <c>codes</c>: the fitted code vector by part, the expression weights by blendshape
/// name (in the model's order).</summary>
public sealed record FitParametersCodes
{
    /// <summary>Identity shape α.</summary>
    [JsonPropertyName("shape")]
    public required float[] Shape { get; init; }

    /// <summary>Expression β: one weight per blendshape name.</summary>
    [JsonPropertyName("expression")]
    public required IReadOnlyDictionary<string, float> Expression { get; init; }

    /// <summary>Albedo t.</summary>
    [JsonPropertyName("texture")]
    public required float[] Texture { get; init; }

    /// <summary>Euler angles (x, y, z) in radians.</summary>
    [JsonPropertyName("rotation")]
    public required float[] Rotation { get; init; }

    /// <summary>Translation in cm.</summary>
    [JsonPropertyName("translation")]
    public required float[] Translation { get; init; }

    /// <summary>Second-order SH lighting, 9 coefficients per colour channel.</summary>
    [JsonPropertyName("lighting")]
    public required float[] Lighting { get; init; }
}
