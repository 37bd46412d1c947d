namespace FaceClip.Core.Evaluation;

/// <summary>Location figures of a sample of measurements (times, errors, distances), as the benches report them.</summary>
public static class Statistics
{
    /// <summary>The median of <paramref name="values"/>: the middle value of an odd count, the mean of the two middle
    /// values of an even count. The values need not be sorted and are not modified.</summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static double Median(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        }

        Array.Sort(sorted);
        var half = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
    }

    /// <summary>The arithmetic mean of <paramref name="values"/>, summed in order.</summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static double Mean(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double sum = 0;
        var count = 0;
        foreach (var v in values)
        {
            sum += v;
            count++;
        }

        return count > 0 ? sum / count : throw new ArgumentException("The mean of no values is undefined.", nameof(values));
    }

    /// <summary>Cosine similarity of two vectors of the same length (0 for a zero vector).</summary>
    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Count; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
