namespace FaceClip.Core.Geometry;

/// <summary>How many identity and texture modes a <see cref="FaceModel"/> uses.</summary>
public sealed record FaceModelOptions
{
    /// <summary>α: the first N identity modes (ICT has 100).</summary>
    public int ShapeDimensions { get; init; } = 80;

    /// <summary>t: the N highest-variance modes of the low-frequency albedo basis.</summary>
    public int TextureDimensions { get; init; } = 80;
}
