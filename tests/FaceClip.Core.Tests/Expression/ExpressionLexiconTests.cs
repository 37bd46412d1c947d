using FaceClip.Core.Expression;
using FaceClip.Core.Losses;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Expression;

public sealed class ExpressionLexiconTests
{
    private static float P(ExpressionTarget t, string name) => t.Probabilities[FaceExpressions.IndexOf(name)];

    [Theory]
    [InlineData("make this face smile", "happy")]
    [InlineData("a big grin", "happy")]
    [InlineData("Joyful!", "happy")]
    [InlineData("laughing", "happy")]
    [InlineData("crying", "sad")]
    [InlineData("furious", "angry")]
    [InlineData("scowling", "angry")]
    [InlineData("terrified", "fearful")]
    [InlineData("grossed out", "disgusted")]
    [InlineData("astonished", "surprised")]
    [InlineData("mouth wide open in shock", "surprised")]
    public void SynonymsNameTheirClass(string prompt, string expected)
    {
        var target = ExpressionLexicon.Parse(prompt);
        Assert.Equal(expected, target.Dominant);
        Assert.Equal(1.0, target.Probabilities.Sum(), 5);
    }

    [Fact]
    public void IntensityWordsScaleTheShareAwayFromNeutral()
    {
        var slight = ExpressionLexicon.Parse("slightly happy");
        var plain = ExpressionLexicon.Parse("happy");
        var very = ExpressionLexicon.Parse("very happy");
        Assert.True(P(slight, "happy") < P(plain, "happy"));
        Assert.True(P(plain, "happy") < P(very, "happy"));
        Assert.Equal(ExpressionLexicon.WeakIntensity, P(slight, "happy"), 5);
        Assert.Equal(1 - ExpressionLexicon.WeakIntensity, P(slight, "neutral"), 5);
        Assert.Equal(1.0, P(very, "happy"), 5);
        Assert.Equal(ExpressionLexicon.Parse("a bit sad").Probabilities, ExpressionLexicon.Parse("slightly sad").Probabilities);
    }

    [Theory]
    [InlineData("not smiling")]
    [InlineData("don't smile")]
    [InlineData("never happy")]
    public void ANegatedExpressionAloneAsksForNeutral(string prompt)
    {
        var target = ExpressionLexicon.Parse(prompt);
        Assert.Equal(1.0, P(target, "neutral"), 5);
        Assert.Equal(0.0, P(target, "happy"), 5);
        Assert.Contains(target.Understood, u => u.Contains("negated", StringComparison.Ordinal));
    }

    [Fact]
    public void NegationRemovesOnlyTheNegatedClassFromAMix()
    {
        var target = ExpressionLexicon.Parse("surprised but not happy");
        Assert.Equal("surprised", target.Dominant);
        Assert.Equal(0.0, P(target, "happy"), 5);
        Assert.Equal(ExpressionLexicon.DefaultIntensity, P(target, "surprised"), 5);
    }

    [Fact]
    public void SeveralExpressionWordsMix()
    {
        var target = ExpressionLexicon.Parse("happily surprised");
        Assert.Equal(P(target, "happy"), P(target, "surprised"), 5);
        Assert.Equal(ExpressionLexicon.DefaultIntensity / 2, P(target, "happy"), 5);
        var frown = ExpressionLexicon.Parse("frowning");
        Assert.True(P(frown, "sad") > P(frown, "angry") && P(frown, "angry") > 0);
    }

    [Fact]
    public void OneSidedWordsDropSymmetryAndUnknownWordsAreReported()
    {
        Assert.False(ExpressionLexicon.Parse("a wink").Symmetric);
        Assert.False(ExpressionLexicon.Parse("smile on the left").Symmetric);
        Assert.True(ExpressionLexicon.Parse("smile").Symmetric);
        Assert.True(ExpressionLexicon.IsOneSided("smirk"));
        var target = ExpressionLexicon.Parse("happy like a platypus");
        Assert.Equal(["platypus"], target.Ignored);
    }

    [Theory]
    [InlineData("a cat")]
    [InlineData("make it blue-ish purple")]
    [InlineData("")]
    public void APromptWithoutAnExpressionIsAClearError(string prompt)
    {
        var ex = Assert.Throws<ExpressionPromptException>(() => ExpressionLexicon.Parse(prompt));
        Assert.Contains("understands", ex.Message, StringComparison.Ordinal);
        Assert.Contains("smile", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CLIP", ex.Message, StringComparison.Ordinal);
        Assert.Null(ExpressionLexicon.TryParse(prompt, out var error));
        Assert.Equal(ex.Message, error);
    }

    [Fact]
    public void PromptsAreCheckedOnlyWhenTheEmbeddedCriticWillReadThem()
    {
        string[] prompts = ["a big smile", "qwerty asdf"];
        Assert.Contains("qwerty", ExpressionLexicon.FirstUnreadable(prompts, CriticChoice.Face, clipInstalled: true));
        Assert.Contains("qwerty", ExpressionLexicon.FirstUnreadable(prompts, CriticChoice.Auto, clipInstalled: false));
        Assert.Null(ExpressionLexicon.FirstUnreadable(prompts, CriticChoice.Auto, clipInstalled: true));
        Assert.Null(ExpressionLexicon.FirstUnreadable(prompts, CriticChoice.Clip, clipInstalled: false));
        Assert.Null(ExpressionLexicon.FirstUnreadable(["very sad", "happily surprised"], CriticChoice.Face, clipInstalled: false));
    }
}
