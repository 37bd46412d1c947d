using FaceClip.Core.Expression;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Expression;

public sealed class ExpressionPrototypesTests
{
    private static readonly string[] Names =
    [
        "browDown_L", "browDown_R", "browInnerUp_L", "browInnerUp_R", "eyeLookUp_L", "eyeWide_L", "jawOpen",
        "mouthFrown_L", "mouthSmile_L", "mouthSmile_R", "cheekSquint_L", "mouthStretch_L", "noseSneer_L",
    ];

    private static int I(string name) => Array.IndexOf(Names, name);

    /// <summary>A target with these class probabilities (the rest neutral) and, optionally, movements.</summary>
    private static ExpressionTarget Target(params (string Class, float P)[] mix) => Target(new Dictionary<string, float>(), [], mix);

    private static ExpressionTarget Target(Dictionary<string, float> actions, string[] relaxed, params (string Class, float P)[] mix)
    {
        var p = new float[FaceExpressions.Names.Count];
        foreach (var (cls, share) in mix)
        {
            p[FaceExpressions.IndexOf(cls)] = share;
        }

        p[0] += 1 - p.Sum();
        return new ExpressionTarget
        {
            Prompt = "test",
            Probabilities = p,
            Intensity = 1 - p[0],
            Symmetric = true,
            Actions = actions,
            Relaxed = relaxed,
            JudgedByCritic = mix.Length > 0,
            Understood = [],
            Ignored = [],
        };
    }

    [Fact]
    public void APromptPullsItsPrototypeUpToItsLevelsAndItsAntagonistsDown()
    {
        var sad = Target(("sad", 1f));
        var (relevance, levels, antagonism) = ExpressionPrototypes.Plan(Names, sad);
        Assert.Equal(1f, relevance[I("browInnerUp_L")]);
        Assert.Equal(1f, relevance[I("browInnerUp_R")]);
        Assert.Equal(0.8f, levels[I("browInnerUp_L")], 5);
        Assert.Equal(0.7f, levels[I("mouthFrown_L")], 5);
        Assert.True(levels[I("browDown_L")] < levels[I("browInnerUp_L")], "a sad brow is raised inside more than it is lowered");
        Assert.Equal(1f, antagonism[I("mouthSmile_L")]); // a sad face does not smile
        Assert.Equal(1f, antagonism[I("jawOpen")]);
        Assert.Equal(0f, antagonism[I("browInnerUp_L")]);
        Assert.Equal(0f, levels[I("mouthSmile_L")]);
        Assert.Equal(0f, antagonism[I("noseSneer_L")]); // neither used nor contradicted
    }

    [Fact]
    public void IntensityScalesTheLevelsAndAMixtureKeepsWhatEitherExpressionUses()
    {
        var full = ExpressionPrototypes.Plan(Names, Target(("happy", 1f)));
        var slight = ExpressionPrototypes.Plan(Names, Target(("happy", 1f)), 0.5);
        Assert.Equal(full.Levels[I("mouthSmile_L")] * 0.5f, slight.Levels[I("mouthSmile_L")], 5);

        // Surprise alone contradicts a smile; "happily surprised" uses it, so it is not pulled down.
        var surprised = ExpressionPrototypes.Plan(Names, Target(("surprised", 1f)));
        var mixed = ExpressionPrototypes.Plan(Names, Target(("happy", 0.5f), ("surprised", 0.5f)));
        Assert.True(surprised.Antagonism[I("mouthSmile_L")] > 0);
        Assert.Equal(0f, mixed.Antagonism[I("mouthSmile_L")]);
        Assert.True(mixed.Levels[I("mouthSmile_L")] > 0 && mixed.Levels[I("jawOpen")] > 0, "both expressions' blendshapes are asked for");
        Assert.True(mixed.Antagonism[I("browDown_L")] > 0, "what either contradicts and neither uses stays pulled down");
    }

    [Fact]
    public void NeutralRelaxesEveryBlendshapeButGaze()
    {
        var (relevance, levels, antagonism) = ExpressionPrototypes.Plan(Names, Target(("neutral", 1f)), 0.9);
        Assert.All(relevance, r => Assert.Equal(0f, r));
        Assert.All(levels, l => Assert.Equal(0f, l));
        for (var i = 0; i < Names.Length; i++)
        {
            Assert.Equal(Names[i].StartsWith("eyeLook", StringComparison.Ordinal) ? 0f : 1f, antagonism[i]);
        }
    }

    [Fact]
    public void MovementsRaiseTheirBlendshapesAndLeaveTheRestOfTheFaceAlone()
    {
        // A wink alone: its blendshape at its level, what it contradicts pulled down, nothing else touched (the
        // subject's own smile stays).
        var wink = Target(new Dictionary<string, float> { ["eyeWide_L"] = 1f }, ["browDown_L"]);
        var (relevance, levels, antagonism) = ExpressionPrototypes.Plan(Names, wink);
        Assert.Equal(1f, relevance[I("eyeWide_L")]);
        Assert.Equal(1f, levels[I("eyeWide_L")]);
        Assert.Equal(1f, antagonism[I("browDown_L")]);
        Assert.Equal(0f, antagonism[I("mouthSmile_L")]);
        Assert.Equal(0f, relevance.Sum() - 1);

        // Beside an emotion, a movement keeps what the emotion would have pulled down (surprise contradicts a frown...).
        var both = ExpressionPrototypes.Plan(Names, Target(new Dictionary<string, float> { ["mouthSmile_L"] = 0.7f }, [], ("surprised", 1f)));
        Assert.Equal(0f, both.Antagonism[I("mouthSmile_L")]);
        Assert.Equal(0.7f, both.Levels[I("mouthSmile_L")], 5);
        Assert.True(both.Levels[I("jawOpen")] > 0);

        // Levels scale but never pass 1.
        Assert.Equal(1f, ExpressionPrototypes.Plan(Names, wink, 1.5).Levels[I("eyeWide_L")]);
    }

    [Fact]
    public void EveryPrototypeNamesBlendshapesOfTheFaceModel()
    {
        // The face model's own blendshape names (one OBJ each): a typo in a prototype would silently ask for nothing.
        var stems = Directory.GetFiles(Path.Combine(TestPaths.IctFaceKit, "FaceXModel"), "*.obj")
            .Select(Path.GetFileNameWithoutExtension).Select(n => n!.EndsWith("_L", StringComparison.Ordinal) || n.EndsWith("_R", StringComparison.Ordinal) ? n[..^2] : n)
            .ToHashSet();
        Assert.All(ExpressionPrototypes.Levels.Values.SelectMany(l => l.Keys), s => Assert.Contains(s, stems));
        Assert.All(ExpressionPrototypes.Antagonists.Values.SelectMany(a => a).Where(a => a != "*"), s => Assert.Contains(s, stems));
        Assert.All(ExpressionPrototypes.Levels, kv => Assert.Empty(kv.Value.Keys.Intersect(ExpressionPrototypes.Antagonists[kv.Key])));
    }

    [Fact]
    public void PriorWeightsAndTheCriticTextureAreValidated()
    {
        new TransferOptions().Validate();
        Assert.Throws<ArgumentException>(() => new TransferOptions { AntagonistWeight = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new TransferOptions { PrototypeWeight = -0.5 }.Validate());
        Assert.Throws<ArgumentException>(() => new TransferOptions { PrototypeLevel = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new TransferOptions { CriticTexture = (CriticTexture)17 }.Validate());
        Assert.Throws<ArgumentException>(() => CriticTextures.Parse("photograph"));
        foreach (var texture in new[] { "upper-face", "albedo", "photo" })
        {
            var parsed = CriticTextures.Parse(texture);
            Assert.Equal(texture, parsed.Name());
            new TransferOptions { CriticTexture = parsed }.Validate();
        }
    }
}
