using FaceClip.Core.Vision;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// Whether a fit keeps the photo's expression, the measure EMOCA and SMIRK use: a judge the fit never sees
/// (<see cref="ExpressionJudge"/>) reads the photo, the fit's render with the model's albedo (no photo texture, so the
/// expression must be in the geometry), and the same render with the expression weights at zero (the same person, pose
/// and light: the baseline of what the fitted expression adds). A reading that is null found no face.
/// </summary>
/// <param name="Photo">The judge on the photo (its largest face: the one the fit takes by default).</param>
/// <param name="Fit">The judge on the fit's albedo render.</param>
/// <param name="Neutral">The judge on the same render without the expression.</param>
public sealed record ExpressionFidelity(string Name, FaceExpressions? Photo, FaceExpressions? Fit, FaceExpressions? Neutral)
{
    /// <summary>The fit's render reads as the photo's top class.</summary>
    public bool FitAgrees => Photo is not null && Fit is not null && Fit.Dominant == Photo.Dominant;

    /// <summary>The render without the expression reads as the photo's top class.</summary>
    public bool NeutralAgrees => Photo is not null && Neutral is not null && Neutral.Dominant == Photo.Dominant;

    /// <summary>Total-variation distance between the photo's and the fit's probabilities (0: the same, 1: disjoint); 1
    /// when either found no face.</summary>
    public double FitDistance => Distance(Photo, Fit);

    public double NeutralDistance => Distance(Photo, Neutral);

    /// <summary>Half the L1 distance of two probability vectors; 1 when either is missing.</summary>
    public static double Distance(FaceExpressions? a, FaceExpressions? b)
    {
        if (a is null || b is null)
        {
            return 1;
        }

        var sum = 0.0;
        for (var i = 0; i < a.Probabilities.Count; i++)
        {
            sum += Math.Abs(a.Probabilities[i] - b.Probabilities[i]);
        }

        return sum / 2;
    }

    /// <summary>The counts over photos the judge found a face on: agreements of the fit and of the baseline, their
    /// mean distances, and the agreements over the photos whose own expression is not neutral.</summary>
    public static ExpressionFidelitySummary Summarise(IReadOnlyList<ExpressionFidelity> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var judged = results.Where(r => r.Photo is not null).ToList();
        var expressive = judged.Where(r => r.Photo!.Dominant != "neutral").ToList();
        return new ExpressionFidelitySummary(
            SuccessRate.Count(judged, r => r.FitAgrees),
            SuccessRate.Count(judged, r => r.NeutralAgrees),
            judged.Count == 0 ? 0 : judged.Average(r => r.FitDistance),
            judged.Count == 0 ? 0 : judged.Average(r => r.NeutralDistance),
            SuccessRate.Count(expressive, r => r.FitAgrees),
            SuccessRate.Count(expressive, r => r.NeutralAgrees));
    }
}

/// <summary>See <see cref="ExpressionFidelity.Summarise"/>.</summary>
public sealed record ExpressionFidelitySummary(
    SuccessRate Fit, SuccessRate Neutral, double FitDistance, double NeutralDistance, SuccessRate ExpressiveFit, SuccessRate ExpressiveNeutral);
