using FaceClip.Core.Evaluation;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class StatisticsTests
{
    [Fact]
    public void MedianOfAnOddCountIsTheMiddleValue() => Assert.Equal(3, Statistics.Median([5, 1, 3, 4, 2]));

    [Fact]
    public void MedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues()
    {
        // Sorted 1, 2, 3, 10: the upper middle would be 3, the lower 2.
        Assert.Equal(2.5, Statistics.Median([10, 2, 1, 3]));
        Assert.Equal(1.5, Statistics.Median([2, 1]));
    }

    [Fact]
    public void MedianOfOneValueIsThatValue() => Assert.Equal(-7.25, Statistics.Median([-7.25]));

    [Fact]
    public void MedianLeavesItsInputUnsorted()
    {
        var values = new List<double> { 3, 1, 2 };
        Assert.Equal(2, Statistics.Median(values));
        Assert.Equal([3, 1, 2], values);
    }

    [Fact]
    public void MedianIsRobustToAnOutlier() => Assert.Equal(2, Statistics.Median([1, 2, 1e9]));

    [Fact]
    public void MeanIsTheSumOverTheCount()
    {
        Assert.Equal(2.5, Statistics.Mean([1, 2, 3, 4]));
        Assert.Equal(1e9 / 3 + 1, Statistics.Mean([1, 2, 1e9]), 6);
    }

    [Fact]
    public void NoValuesHaveNoMedianOrMean()
    {
        Assert.Throws<ArgumentException>(() => Statistics.Median([]));
        Assert.Throws<ArgumentException>(() => Statistics.Mean([]));
    }
}
