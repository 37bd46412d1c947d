namespace FaceClip.Core.Evaluation;

/// <summary>The usual figures of a sample of measurements: how many, their mean, median, smallest and largest.</summary>
/// <param name="Count">Number of values.</param>
/// <param name="Mean">Arithmetic mean (<see cref="Statistics.Mean"/>).</param>
/// <param name="Median">Median, the mean of the two middle values for an even count (<see cref="Statistics.Median"/>).</param>
/// <param name="Minimum">Smallest value.</param>
/// <param name="Maximum">Largest value.</param>
public sealed record SampleSummary(int Count, double Mean, double Median, double Minimum, double Maximum)
{
    /// <summary>The summary of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static SampleSummary Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToArray();
        if (v.Length == 0)
        {
            throw new ArgumentException("A summary of no values is undefined.", nameof(values));
        }

        return new SampleSummary(v.Length, Statistics.Mean(v), Statistics.Median(v), v.Min(), v.Max());
    }
}
