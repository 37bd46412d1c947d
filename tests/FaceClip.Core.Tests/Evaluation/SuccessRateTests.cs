using FaceClip.Core.Evaluation;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class SuccessRateTests
{
    [Fact]
    public void CountsTheItemsThatMeetTheCriterion()
    {
        var rate = SuccessRate.Count([0.3, 0.7, 0.55, 0.6, 0.1], d => d < 0.6);
        Assert.Equal(new SuccessRate(3, 5), rate);
        Assert.Equal(0.6, rate.Fraction, 12);
        Assert.Equal(60, rate.Percent, 12);
    }

    [Fact]
    public void PercentIsOfTheTotal()
    {
        Assert.Equal(100.0 / 3, new SuccessRate(1, 3).Percent, 12);
        Assert.Equal(100, new SuccessRate(4, 4).Percent);
        Assert.Equal(0, new SuccessRate(0, 4).Percent);
    }

    [Fact]
    public void NoTrialsAreNoSuccesses()
    {
        var rate = SuccessRate.Count(Array.Empty<bool>(), b => b);
        Assert.Equal(new SuccessRate(0, 0), rate);
        Assert.Equal(0, rate.Fraction);
        Assert.Equal(0, rate.Percent);
    }
}
