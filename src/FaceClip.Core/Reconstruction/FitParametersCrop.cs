using System.Text.Json.Serialization;

namespace FaceClip.Core.Reconstruction;

/// <summary><c>params.json</c> → <c>crop</c>: the square of the photo the fit worked on (see <see cref="FaceCrop"/>).</summary>
public sealed record FitParametersCrop
{
    /// <summary>Left edge in photo pixels.</summary>
    [JsonPropertyName("left")]
    public required double Left { get; init; }

    /// <summary>Top edge in photo pixels.</summary>
    [JsonPropertyName("top")]
    public required double Top { get; init; }

    /// <summary>Side of the square in photo pixels.</summary>
    [JsonPropertyName("side")]
    public required double Side { get; init; }

    /// <summary>Side of the crop image in pixels.</summary>
    [JsonPropertyName("size")]
    public required int Size { get; init; }

    /// <summary>The entry of <paramref name="crop"/>.</summary>
    public static FitParametersCrop From(FaceCrop crop)
    {
        ArgumentNullException.ThrowIfNull(crop);
        return new FitParametersCrop { Left = crop.Left, Top = crop.Top, Side = crop.Side, Size = crop.Size };
    }

    /// <summary>The crop this entry describes.</summary>
    public FaceCrop ToCrop() => new(Left, Top, Side, Size);
}
