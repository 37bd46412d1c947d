namespace FaceClip.Core.Evaluation;

/// <summary>How many of a number of trials met a criterion.</summary>
/// <param name="Successes">Trials that met the criterion.</param>
/// <param name="Total">All trials.</param>
public readonly record struct SuccessRate(int Successes, int Total)
{
    /// <summary>Successes over the total, in [0, 1]; 0 when there were no trials.</summary>
    public double Fraction => Total == 0 ? 0 : (double)Successes / Total;

    /// <summary>Successes over the total in percent (100 · successes / total); 0 when there were no trials.</summary>
    public double Percent => Total == 0 ? 0 : 100.0 * Successes / Total;

    /// <summary>Counts the items of <paramref name="items"/> for which <paramref name="success"/> holds.</summary>
    public static SuccessRate Count<T>(IEnumerable<T> items, Func<T, bool> success)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(success);
        int successes = 0, total = 0;
        foreach (var item in items)
        {
            total++;
            if (success(item))
            {
                successes++;
            }
        }

        return new SuccessRate(successes, total);
    }
}
