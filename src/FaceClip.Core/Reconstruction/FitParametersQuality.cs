using System.Text.Json.Serialization;

namespace FaceClip.Core.Reconstruction;

/// <summary><c>params.json</c> → <c>quality</c>: the fit's quality measures (<see cref="ReconstructionQuality"/>).</summary>
public sealed record FitParametersQuality
{
    /// <summary><see cref="ReconstructionQuality.LandmarkNme"/>.</summary>
    [JsonPropertyName("landmark_nme")]
    public double LandmarkNme { get; init; }

    /// <summary><see cref="ReconstructionQuality.PhotometricError"/>.</summary>
    [JsonPropertyName("photometric_error")]
    public double PhotometricError { get; init; }

    /// <summary><see cref="ReconstructionQuality.DescriptorDistance"/>.</summary>
    [JsonPropertyName("descriptor_distance")]
    public double DescriptorDistance { get; init; }

    /// <summary><see cref="ReconstructionQuality.PhotometricErrorAllPixels"/> (absent from files older than the skin measure).</summary>
    [JsonPropertyName("photometric_error_all_pixels")]
    public double? PhotometricErrorAllPixels { get; init; }

    /// <summary><see cref="ReconstructionQuality.SkinCoverage"/> (absent from files older than the skin measure).</summary>
    [JsonPropertyName("skin_coverage")]
    public double? SkinCoverage { get; init; }

    /// <summary>The entry of <paramref name="quality"/>.</summary>
    public static FitParametersQuality From(ReconstructionQuality quality)
    {
        ArgumentNullException.ThrowIfNull(quality);
        return new FitParametersQuality
        {
            LandmarkNme = quality.LandmarkNme,
            PhotometricError = quality.PhotometricError,
            DescriptorDistance = quality.DescriptorDistance,
            PhotometricErrorAllPixels = quality.PhotometricErrorAllPixels,
            SkinCoverage = quality.SkinCoverage,
        };
    }
}
