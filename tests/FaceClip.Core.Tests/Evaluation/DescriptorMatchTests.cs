using FaceClip.Core.Evaluation;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class DescriptorMatchTests
{
    [Fact]
    public void SamePersonIsStrictlyBelowFaceApisThreshold()
    {
        Assert.Equal(0.6, DescriptorMatch.SamePersonDistance);
        Assert.True(DescriptorMatch.IsSamePerson(0.3));
        Assert.True(DescriptorMatch.IsSamePerson(0.5999));
        Assert.False(DescriptorMatch.IsSamePerson(0.6));
        Assert.False(DescriptorMatch.IsSamePerson(0.9));
    }
}
