using FaceClip.Core.Vision;

namespace FaceClip.Core.Expression;

/// <summary>
/// What each of the seven expressions looks like on ICT-FaceKit's ARKit-style blendshapes: Ekman and Friesen's EMFACS
/// prototypes (action units) mapped onto the blendshapes, with a level per blendshape for the expression at full
/// intensity, and the blendshapes that contradict it.
/// <list type="bullet">
/// <item>happy AU6+12: cheek raiser (cheekSquint, cheekRaiser, eyeSquint), lip-corner puller (mouthSmile, mouthDimple);</item>
/// <item>sad AU1+4+15+17: inner brow raiser (browInnerUp), a little brow lowerer (browDown), lip-corner depressor
/// (mouthFrown), chin raiser (mouthShrugLower);</item>
/// <item>angry AU4+5+7+23: brow lowerer (browDown), upper-lid raiser (eyeWide, a little), lid tightener (eyeSquint), lip
/// tightener/presser (mouthPress), with the nose wrinkle that often comes with it (noseSneer);</item>
/// <item>fearful AU1+2+4+5+20+26: inner and outer brow raisers (browInnerUp, browOuterUp), a little brow lowerer, upper-lid
/// raiser (eyeWide), lip stretcher (mouthStretch), jaw drop (jawOpen);</item>
/// <item>disgusted AU9+10+15(+4): nose wrinkler (noseSneer), upper-lip raiser (mouthUpperUp, mouthShrugUpper),
/// lip-corner depressor (mouthFrown), the cheeks and lids that the nose wrinkle pulls (cheekSquint, eyeSquint), brow lowerer;</item>
/// <item>surprised AU1+2+5+26: inner and outer brow raisers, upper-lid raiser (eyeWide), jaw drop (jawOpen) with the lips
/// parting (mouthLowerDown).</item>
/// </list>
/// The embedded critic's priors use these: the prompt's prototype blendshapes are cheap to move and are pulled up to
/// their levels, the antagonists are pulled towards zero (a sad face does not smile), and the optimisation starts from
/// the prototype. The classifier then adjusts the face from a readable start rather than searching the whole space
/// (where it finds mouth shapes it accepts and a person does not).
/// </summary>
public static class ExpressionPrototypes
{
    /// <summary>Per expression, blendshape stem (without _L/_R) → weight at full intensity.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, float>> Levels { get; } = new Dictionary<string, IReadOnlyDictionary<string, float>>
    {
        ["neutral"] = new Dictionary<string, float>(),
        ["happy"] = new Dictionary<string, float>
        {
            ["mouthSmile"] = 0.8f, ["cheekSquint"] = 0.4f, ["cheekRaiser"] = 0.3f, ["eyeSquint"] = 0.3f, ["mouthDimple"] = 0.2f,
        },
        ["sad"] = new Dictionary<string, float>
        {
            ["browInnerUp"] = 0.8f, ["browDown"] = 0.2f, ["mouthFrown"] = 0.7f, ["mouthShrugLower"] = 0.4f,
        },
        ["angry"] = new Dictionary<string, float>
        {
            ["browDown"] = 0.9f, ["eyeSquint"] = 0.4f, ["eyeWide"] = 0.2f, ["mouthPress"] = 0.5f, ["noseSneer"] = 0.3f,
        },
        ["fearful"] = new Dictionary<string, float>
        {
            ["browInnerUp"] = 0.9f, ["browOuterUp"] = 0.4f, ["browDown"] = 0.2f, ["eyeWide"] = 0.8f, ["mouthStretch"] = 0.6f, ["jawOpen"] = 0.25f,
        },
        ["disgusted"] = new Dictionary<string, float>
        {
            ["noseSneer"] = 0.8f, ["mouthUpperUp"] = 0.5f, ["mouthShrugUpper"] = 0.3f, ["mouthFrown"] = 0.3f, ["cheekSquint"] = 0.3f,
            ["eyeSquint"] = 0.3f, ["browDown"] = 0.4f,
        },
        ["surprised"] = new Dictionary<string, float>
        {
            ["browInnerUp"] = 0.8f, ["browOuterUp"] = 0.8f, ["eyeWide"] = 0.7f, ["jawOpen"] = 0.4f, ["mouthLowerDown"] = 0.2f,
        },
    };

    /// <summary>Per expression, the blendshape stems that contradict it (pulled towards zero when it is asked for).
    /// Neutral contradicts every blendshape but gaze.</summary>
    public static IReadOnlyDictionary<string, string[]> Antagonists { get; } = new Dictionary<string, string[]>
    {
        ["neutral"] = ["*"],
        ["happy"] = ["mouthFrown", "browDown", "mouthPress", "mouthPucker", "mouthFunnel", "mouthShrugLower", "mouthStretch"],
        ["sad"] = ["mouthSmile", "cheekSquint", "cheekRaiser", "mouthDimple", "jawOpen", "browOuterUp", "eyeWide", "mouthUpperUp", "mouthStretch", "mouthPucker", "mouthFunnel"],
        ["angry"] = ["mouthSmile", "mouthDimple", "browInnerUp", "browOuterUp", "jawOpen", "mouthFunnel", "mouthPucker", "mouthStretch"],
        ["fearful"] = ["mouthSmile", "mouthDimple", "eyeSquint", "cheekSquint", "cheekRaiser", "mouthPucker", "mouthFunnel", "noseSneer", "eyeBlink"],
        ["disgusted"] = ["mouthSmile", "mouthDimple", "browInnerUp", "browOuterUp", "eyeWide", "jawOpen", "mouthFunnel", "mouthPucker", "mouthStretch"],
        ["surprised"] = ["browDown", "eyeSquint", "cheekSquint", "mouthSmile", "mouthPress", "noseSneer", "mouthFrown", "eyeBlink"],
    };

    /// <summary>The blendshape stems each expression moves (the keys of <see cref="Levels"/>).</summary>
    public static IReadOnlyDictionary<string, string[]> Blendshapes { get; } =
        Levels.ToDictionary(kv => kv.Key, kv => kv.Value.Keys.ToArray());

    /// <summary>
    /// What a prompt's target asks of each blendshape: <c>Relevance</c> (0..1, how much the asked expressions use it:
    /// each non-neutral class weighs its probability over the strongest class's; 1 for a blendshape the prompt's
    /// movements name), <c>Levels</c> (the weight it is pulled up to: the prototypes' levels times that weight times
    /// the target's intensity, or the movement's own level, the largest, all times <paramref name="levelScale"/>) and
    /// <c>Antagonism</c> (0..1, how strongly it is pulled to zero: it contradicts an asked expression or movement, or
    /// the prompt refuses it, and nothing asked uses it). An emotion target with no non-neutral mass (neutral, "not
    /// smiling") asks every blendshape to relax; a target of movements alone (a wink) leaves the rest of the face as it is.
    /// </summary>
    public static (float[] Relevance, float[] Levels, float[] Antagonism) Plan(IReadOnlyList<string> blendshapeNames, ExpressionTarget target, double levelScale = 1)
    {
        ArgumentNullException.ThrowIfNull(blendshapeNames);
        ArgumentNullException.ThrowIfNull(target);
        var n = blendshapeNames.Count;
        var relevance = new float[n];
        var levels = new float[n];
        var antagonism = new float[n];
        var stems = blendshapeNames.Select(Stem).ToArray();
        var p = target.Probabilities;
        var top = Enumerable.Range(1, p.Length - 1).Max(i => p[i]);
        var classes = !target.JudgedByCritic ? []
            : top <= 0 ? [(Name: "neutral", Weight: 1f)]
            : Enumerable.Range(1, p.Length - 1).Where(c => p[c] > 0).Select(c => (Name: FaceExpressions.Names[c], Weight: p[c] / top)).ToArray();
        var intensity = target.Intensity * levelScale;
        foreach (var (name, weight) in classes)
        {
            var prototype = Levels[name];
            var against = Antagonists[name];
            for (var i = 0; i < n; i++)
            {
                if (prototype.TryGetValue(stems[i], out var level))
                {
                    relevance[i] = Math.Max(relevance[i], weight);
                    levels[i] = Math.Max(levels[i], (float)(level * weight * intensity));
                }

                if (against.Contains(stems[i]) || (against is ["*"] && !IsGaze(stems[i])))
                {
                    antagonism[i] = Math.Max(antagonism[i], weight);
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (target.Actions.TryGetValue(blendshapeNames[i], out var level))
            {
                relevance[i] = 1;
                levels[i] = Math.Max(levels[i], (float)Math.Min(1, level * levelScale));
            }
            else if (target.Relaxed.Contains(blendshapeNames[i]))
            {
                antagonism[i] = 1;
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (relevance[i] > 0)
            {
                antagonism[i] = 0;
            }
        }

        return (relevance, levels, antagonism);
    }

    private static string Stem(string name) =>
        name.EndsWith("_L", StringComparison.Ordinal) || name.EndsWith("_R", StringComparison.Ordinal) ? name[..^2] : name;

    private static bool IsGaze(string stem) => stem.StartsWith("eyeLook", StringComparison.Ordinal);
}
