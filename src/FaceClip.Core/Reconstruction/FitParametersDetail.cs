using System.Text.Json.Serialization;

namespace FaceClip.Core.Reconstruction;

/// <summary><c>params.json</c> → <c>detail</c>: the detail pass's displacement map (<see cref="DetailResult"/>), or
/// null when the pass did not run.</summary>
public sealed record FitParametersDetail
{
    /// <summary>What the displacement map holds, for readers of the file.</summary>
    public const string Description = "displacement along the vertex normals over the face's UV tile (u right, v up; row 0 is v = 1), applied to the exported meshes";

    /// <summary>The map's file name beside params.json.</summary>
    [JsonPropertyName("file")]
    public string? File { get; init; }

    /// <summary><see cref="Description"/>.</summary>
    [JsonPropertyName("meaning")]
    public string? Meaning { get; init; }

    /// <summary>Centimetres at grey level 0.</summary>
    [JsonPropertyName("grey_0_cm")]
    public float Low { get; init; }

    /// <summary>Centimetres at grey level 65535.</summary>
    [JsonPropertyName("grey_65535_cm")]
    public float High { get; init; }

    /// <summary>Side of the map in texels.</summary>
    [JsonPropertyName("resolution")]
    public int Resolution { get; init; }

    /// <summary>Iterations the pass ran.</summary>
    [JsonPropertyName("iterations")]
    public int Iterations { get; init; }

    /// <summary>Largest vertex displacement, cm.</summary>
    [JsonPropertyName("max_displacement_cm")]
    public float MaxDisplacement { get; init; }

    /// <summary>Mean vertex displacement over the front face, cm.</summary>
    [JsonPropertyName("mean_displacement_cm")]
    public float MeanDisplacement { get; init; }

    /// <summary>The entry of <paramref name="detail"/>, whose map is written as <paramref name="file"/>.</summary>
    public static FitParametersDetail From(DetailResult detail, string file)
    {
        ArgumentNullException.ThrowIfNull(detail);
        return new FitParametersDetail
        {
            File = file,
            Meaning = Description,
            Low = detail.Low,
            High = detail.High,
            Resolution = detail.Resolution,
            Iterations = detail.Iterations,
            MaxDisplacement = detail.MaxDisplacement,
            MeanDisplacement = detail.MeanDisplacement,
        };
    }
}
