using FaceClip.Core.Expression;
using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Expression;

/// <summary>The prompt reader on the real sentence-embedding model (all-MiniLM-L6-v2, shipped in its NuGet package).</summary>
public sealed class PromptReaderTests
{
    private static readonly PromptReader Reader = PromptReader.Shared;

    private static float P(ExpressionTarget t, string name) => t.Probabilities[FaceExpressions.IndexOf(name)];

    private static float Level(ExpressionTarget t, string blendshape) => t.Actions.GetValueOrDefault(blendshape);

    [Theory]
    [InlineData("grinning from ear to ear", "happy")]
    [InlineData("looks like they smelled something rotten", "disgusted")]
    [InlineData("on the verge of tears", "sad")]
    [InlineData("make this face smile", "happy")]
    [InlineData("Joyful!", "happy")]
    [InlineData("crying", "sad")]
    [InlineData("furious", "angry")]
    [InlineData("scowling", "angry")]
    [InlineData("terrified", "fearful")]
    [InlineData("grossed out", "disgusted")]
    [InlineData("astonished", "surprised")]
    public void EmotionsAreReadByMeaning(string prompt, string expected)
    {
        var target = Reader.Read(prompt);
        Assert.Equal(expected, target.Dominant);
        Assert.True(target.JudgedByCritic);
        Assert.Equal(1.0, target.Probabilities.Sum(), 5);
        Assert.True(target.Symmetric, $"{prompt}: {target.Describe()}");
    }

    [Theory]
    [InlineData("shut your eyes", "eyeBlink_L", "eyeBlink_R")]
    [InlineData("blow a kiss", "mouthPucker", null)]
    [InlineData("puff your cheeks", "cheekPuff_L", "cheekPuff_R")]
    [InlineData("yawn", "jawOpen", null)]
    [InlineData("pout", "mouthShrugLower", null)]
    [InlineData("bite your lip", "mouthRollLower", null)]
    [InlineData("look up", "eyeLookUp_L", "eyeLookUp_R")]
    public void MovementsAreReadAsTheirBlendshapes(string prompt, string blendshape, string? other)
    {
        var target = Reader.Read(prompt);
        Assert.True(Level(target, blendshape) >= 0.6f, $"{prompt}: {target.Describe()}");
        if (other is not null)
        {
            Assert.Equal(Level(target, blendshape), Level(target, other));
        }

        // The seven-class expression net has no class for these: the prior carries them alone.
        Assert.False(target.JudgedByCritic, $"{prompt}: {target.Describe()}");
        Assert.Equal(1f, P(target, "neutral"));
    }

    [Theory]
    [InlineData("wink with your right eye", "eyeBlink_R", "eyeBlink_L")]
    [InlineData("wink with the left eye", "eyeBlink_L", "eyeBlink_R")]
    [InlineData("close your left eye", "eyeBlink_L", "eyeBlink_R")]
    [InlineData("raise your left eyebrow", "browOuterUp_L", "browOuterUp_R")]
    [InlineData("raise your right eyebrow", "browOuterUp_R", "browOuterUp_L")]
    public void OneSidedMovementsMoveTheNamedSideOfTheSubject(string prompt, string moved, string still)
    {
        // _L is the subject's own left (+x on ICT-FaceKit, which faces +z).
        var target = Reader.Read(prompt);
        Assert.True(Level(target, moved) >= 0.9f, $"{prompt}: {target.Describe()}");
        Assert.Equal(0f, Level(target, still));
        Assert.False(target.Symmetric);
    }

    [Fact]
    public void ADroppedJawInShockIsTheJawDropAndSurprise()
    {
        var target = Reader.Read("jaw dropped in shock");
        Assert.True(Level(target, "jawOpen") >= 0.7f, target.Describe());
        Assert.Equal("surprised", target.Dominant);
        Assert.True(target.JudgedByCritic);

        var scream = Reader.Read("scream in terror");
        Assert.Equal("fearful", scream.Dominant);
        Assert.True(Level(scream, "jawOpen") >= 0.7f, scream.Describe());
    }

    [Fact]
    public void AnEmotionAndAMovementInOnePromptAreBothRead()
    {
        var target = Reader.Read("a surprised face with the mouth wide open");
        Assert.Equal("surprised", target.Dominant);
        Assert.True(Level(target, "jawOpen") > 0.5f, target.Describe());

        var wink = Reader.Read("smile and wink with the right eye");
        Assert.Equal("happy", wink.Dominant);
        Assert.True(Level(wink, "eyeBlink_R") >= 0.9f && Level(wink, "eyeBlink_L") == 0, wink.Describe());
        Assert.False(wink.Symmetric);
    }

    [Fact]
    public void TheModelAloneCannotReadNegationSoTheRuleDoes()
    {
        // What the rule is for: "not smiling" is nearer the happy descriptions than the neutral ones.
        var ranked = Reader.Rank("not smiling");
        Assert.Equal("happy", ranked[0].Concept.Name);

        var target = Reader.Read("not smiling");
        Assert.Equal(0f, P(target, "happy"));
        Assert.Equal("neutral", target.Dominant);
        Assert.Contains(target.Concepts, c => c is { Name: "happy", Refused: true });

        var mixed = Reader.Read("surprised but not happy");
        Assert.Equal("surprised", mixed.Dominant);
        Assert.Equal(0f, P(mixed, "happy"));

        // A refused movement is pulled to zero rather than asked for.
        var open = Reader.Read("don't close your eyes");
        Assert.Empty(open.Actions);
        Assert.Contains("eyeBlink_L", open.Relaxed);

        // "no expression" names the neutral face itself.
        Assert.Equal("neutral", Reader.Read("no expression").Dominant);
        Assert.DoesNotContain(Reader.Read("no expression").Concepts, c => c.Refused);
    }

    [Fact]
    public void TheModelAloneCannotReadDegreeSoTheAdverbSetsIt()
    {
        // What the rule is for: "slightly smiling" is nearer a plain smile's descriptions than the slight ones.
        var happy = ExpressionConcepts.All.Single(c => c.Name == "happy");
        Assert.Equal("happy", Reader.Rank("slightly smiling")[0].Concept.Name);
        Assert.NotEqual(ExpressionConcepts.WeakIntensity, Reader.Rank("slightly smiling")[0].Intensity);
        Assert.Contains(happy.Descriptions, d => d.Intensity == ExpressionConcepts.WeakIntensity);

        var slight = Reader.Read("slightly smiling");
        var plain = Reader.Read("smiling");
        var very = Reader.Read("very happy");
        Assert.True(P(slight, "happy") < P(plain, "happy") && P(plain, "happy") <= P(very, "happy"), $"{slight.Describe()} / {plain.Describe()} / {very.Describe()}");
        Assert.Equal(ExpressionConcepts.WeakIntensity, P(slight, "happy"), 5);

        // Without an adverb, the description matched carries it: "a faint smile" is weak.
        Assert.True(P(Reader.Read("a faint smile"), "happy") < P(plain, "happy"));
    }

    [Fact]
    public void AMixtureOfTwoEmotionsAsksForBoth()
    {
        var target = Reader.Read("happily surprised");
        Assert.True(P(target, "happy") > 0.2f && P(target, "surprised") > 0.2f, target.Describe());
    }

    [Fact]
    public void PartsThatMatchNothingAreLeftOutAndSaidSo()
    {
        var target = Reader.Read("happy, like a platypus");
        Assert.Equal("happy", target.Dominant);
        Assert.Equal(["like a platypus"], target.Ignored);
    }

    [Theory]
    [InlineData("a cat")]
    [InlineData("qwerty asdf")]
    [InlineData("the weather is nice today")]
    [InlineData("make it blue-ish purple")]
    [InlineData("")]
    public void APromptThatMatchesNothingIsAClearErrorWithSuggestions(string prompt)
    {
        var ex = Assert.Throws<ExpressionPromptException>(() => Reader.Read(prompt));
        Assert.Contains("wink", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CLIP", ex.Message, StringComparison.Ordinal);
        Assert.Null(Reader.TryRead(prompt, out var error));
        Assert.Equal(ex.Message, error);
        if (prompt.Length > 0)
        {
            Assert.Equal(4, ex.Nearest.Count);
            Assert.All(ex.Nearest, n => Assert.Contains($"\"{n}\"", ex.Message, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void PromptsAreCheckedOnlyWhenTheEmbeddedCriticWillReadThem()
    {
        string[] prompts = ["a big smile", "qwerty asdf"];
        Assert.Contains("qwerty", Reader.FirstUnreadable(prompts, CriticChoice.Face, clipInstalled: true));
        Assert.Contains("qwerty", Reader.FirstUnreadable(prompts, CriticChoice.Auto, clipInstalled: false));
        Assert.Null(Reader.FirstUnreadable(prompts, CriticChoice.Auto, clipInstalled: true));
        Assert.Null(Reader.FirstUnreadable(prompts, CriticChoice.Clip, clipInstalled: false));
        Assert.Null(Reader.FirstUnreadable(["very sad", "puff your cheeks"], CriticChoice.Face, clipInstalled: false));
    }

    [Fact]
    public void EveryConceptNamesBlendshapesAndClassesThatExist()
    {
        // The face model's own blendshape names (one OBJ each): a typo in a concept would silently ask for nothing.
        var names = Directory.GetFiles(Path.Combine(TestPaths.IctFaceKit, "FaceXModel"), "*.obj").Select(Path.GetFileNameWithoutExtension)
            .Where(n => n is not null && !n.StartsWith("identity", StringComparison.Ordinal) && n != "generic_neutral_mesh").ToHashSet();
        foreach (var concept in ExpressionConcepts.All)
        {
            Assert.NotEmpty(concept.Descriptions);
            Assert.All(concept.Blendshapes.Keys.Concat(concept.Against), b => Assert.Contains(b, names));
            Assert.All(concept.Emotions.Keys, c => Assert.Contains(c, FaceExpressions.Names));
            Assert.True(concept.Kind == ConceptKind.Emotion ? concept.Emotions.Count > 0 && concept.Blendshapes.Count == 0 : concept.Blendshapes.Count > 0, concept.Name);
            Assert.Empty(concept.Blendshapes.Keys.Intersect(concept.Against));
        }

        Assert.Equal(ExpressionConcepts.All.Count, ExpressionConcepts.All.Select(c => c.Name).Distinct().Count());
    }
}
