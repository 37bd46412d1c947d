namespace FaceClip.Core.Evaluation;

/// <summary>Comparisons of a measurement with a reference value (a loss before and after a pass, one start's error
/// against another's).</summary>
public static class RelativeChange
{
    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/> as a fraction of
    /// <paramref name="before"/>: <c>after / before − 1</c> (−0.1 is 10 % lower, 0.25 is 25 % higher).</summary>
    public static double Of(double before, double after) => (after / before) - 1;

    /// <summary>Whether <paramref name="value"/> is at most <paramref name="tolerance"/> (a fraction: 0.05 is 5 %) above
    /// <paramref name="reference"/>: <c>value ≤ reference · (1 + tolerance)</c>, for errors where lower is better.</summary>
    public static bool IsWithin(double value, double reference, double tolerance) => value <= reference * (1 + tolerance);
}
