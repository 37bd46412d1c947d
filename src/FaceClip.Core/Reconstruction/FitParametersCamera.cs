using System.Text.Json.Serialization;
using FaceClip.Core.Rendering;

namespace FaceClip.Core.Reconstruction;

/// <summary><c>params.json</c> → <c>camera</c>: the pinhole camera the fit rendered its crop with.</summary>
public sealed record FitParametersCamera
{
    /// <summary>Image width in pixels.</summary>
    [JsonPropertyName("width")]
    public required int Width { get; init; }

    /// <summary>Image height in pixels.</summary>
    [JsonPropertyName("height")]
    public required int Height { get; init; }

    /// <summary>Focal length in pixels.</summary>
    [JsonPropertyName("focal")]
    public required double Focal { get; init; }

    /// <summary>Principal point x in pixels.</summary>
    [JsonPropertyName("cx")]
    public required double CenterX { get; init; }

    /// <summary>Principal point y in pixels.</summary>
    [JsonPropertyName("cy")]
    public required double CenterY { get; init; }

    /// <summary>Camera distance from the origin along +z, cm.</summary>
    [JsonPropertyName("distance")]
    public required double Distance { get; init; }

    /// <summary>The entry of <paramref name="camera"/>.</summary>
    public static FitParametersCamera From(PerspectiveCamera camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return new FitParametersCamera
        {
            Width = camera.Width, Height = camera.Height, Focal = camera.Focal, CenterX = camera.CenterX, CenterY = camera.CenterY, Distance = camera.Distance,
        };
    }

    /// <summary>The camera this entry describes (other settings at their defaults).</summary>
    public PerspectiveCamera ToCamera() => new(Width, Height, Focal, Distance) { CenterX = CenterX, CenterY = CenterY };
}
