namespace FaceClip.Core.Geometry;

/// <summary>Morph-target weights at a time (seconds) of an animation.</summary>
public sealed record MorphKeyframe(float Time, float[] Weights)
{
    /// <summary>Linear keyframes from one set of weights to another over <paramref name="seconds"/>, and optionally
    /// back again (a loop): e.g. from a neutral face to a smile.</summary>
    public static IReadOnlyList<MorphKeyframe> Between(float[] from, float[] to, float seconds, bool andBack = false)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from.Length != to.Length)
        {
            throw new ArgumentException("Both keyframes need one weight per morph target.", nameof(to));
        }

        return andBack
            ? [new MorphKeyframe(0, from), new MorphKeyframe(seconds, to), new MorphKeyframe(2 * seconds, from)]
            : [new MorphKeyframe(0, from), new MorphKeyframe(seconds, to)];
    }
}
