namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>Things held in front of a synthetic face (flags).</summary>
[Flags]
public enum SyntheticOccluders
{
    None = 0,

    /// <summary>A pair of glasses: frames round the eyes, a bridge, temples towards the ears, tinted lenses.</summary>
    Glasses = 1,

    /// <summary>A hand over part of the lower face or a cheek.</summary>
    Hand = 2,

    /// <summary>Strands of hair falling over the forehead and an eye.</summary>
    Hair = 4,
}

/// <summary>
/// How <see cref="SyntheticFaceGenerator"/> frames its faces and what it puts in front of them. The defaults are the 3D
/// benchmark's (photos of 448 to 640 pixels, the face 30-50 % of the frame wide, nothing in front): the same seed
/// draws the same faces with them as without a scene. A training corpus (<c>faceclip synth</c>) uses smaller photos
/// with the face larger in the frame, and occluders.
/// </summary>
public sealed record SyntheticScene
{
    /// <summary>The benchmark's framing.</summary>
    public static SyntheticScene Benchmark { get; } = new();

    /// <summary>A training corpus' framing: 256-pixel photos, the face 40-60 % of the frame wide, an occluder on
    /// about half the faces.</summary>
    public static SyntheticScene Corpus { get; } = new() { ImageSize = 256, FaceFraction = (0.40, 0.60), OccluderChance = 0.5 };

    /// <summary>Side of the square photo in pixels; null: the benchmark's 448 to 640.</summary>
    public int? ImageSize { get; init; }

    /// <summary>The mean face's cheek-to-cheek width as a fraction of the photo's side, drawn uniformly in this range.</summary>
    public (double Min, double Max) FaceFraction { get; init; } = (0.30, 0.50);

    /// <summary>The chance that a face has occluders (then one to three of <see cref="SyntheticOccluders"/>, each at
    /// random).</summary>
    public double OccluderChance { get; init; }

    public void Validate()
    {
        if (ImageSize is { } size && (size < 64 || size > 2048))
        {
            throw new ArgumentOutOfRangeException(nameof(ImageSize), $"The image size must be 64 to 2048 pixels (got {size}).");
        }

        if (FaceFraction.Min <= 0 || FaceFraction.Max > 0.9 || FaceFraction.Min > FaceFraction.Max)
        {
            throw new ArgumentOutOfRangeException(nameof(FaceFraction), $"The face fraction must be a range within (0, 0.9] (got {FaceFraction.Min}..{FaceFraction.Max}).");
        }

        if (OccluderChance is < 0 or > 1 || double.IsNaN(OccluderChance))
        {
            throw new ArgumentOutOfRangeException(nameof(OccluderChance), $"The occluder chance must be 0 to 1 (got {OccluderChance}).");
        }
    }
}
