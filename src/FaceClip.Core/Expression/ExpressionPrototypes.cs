using FaceClip.Core.Vision;

namespace FaceClip.Core.Expression;

/// <summary>
/// Which blendshapes make each of the seven expressions, after Ekman and Friesen's EMFACS action units mapped onto
/// ICT-FaceKit's ARKit-style blendshapes: happy AU6+12 (cheekSquint, eyeSquint, mouthSmile, mouthDimple); sad AU1+4+15+17
/// (browInnerUp, browDown, mouthFrown, mouthShrugLower); angry AU4+5+7+23 (browDown, eyeSquint, eyeWide, mouthPress,
/// noseSneer); fearful AU1+2+4+5+20+26 (browInnerUp, browOuterUp, browDown, eyeWide, mouthStretch, jawOpen); disgusted
/// AU9+10+15 (noseSneer, mouthUpperUp, mouthFrown, mouthShrugUpper, cheekSquint); surprised AU1+2+5+26
/// (browInnerUp, browOuterUp, eyeWide, jawOpen, mouthFunnel). The embedded critic's plausibility term makes moving
/// these cheap and moving the others dear, in proportion to the prompt's target distribution.
/// </summary>
public static class ExpressionPrototypes
{
    public static IReadOnlyDictionary<string, string[]> Blendshapes { get; } = new Dictionary<string, string[]>
    {
        ["neutral"] = [],
        ["happy"] = ["mouthSmile", "cheekSquint", "eyeSquint", "mouthDimple"],
        ["sad"] = ["browInnerUp", "browDown", "mouthFrown", "mouthShrugLower"],
        ["angry"] = ["browDown", "eyeSquint", "eyeWide", "mouthPress", "noseSneer"],
        ["fearful"] = ["browInnerUp", "browOuterUp", "browDown", "eyeWide", "mouthStretch", "jawOpen"],
        ["disgusted"] = ["noseSneer", "mouthUpperUp", "mouthFrown", "mouthShrugUpper", "cheekSquint"],
        ["surprised"] = ["browInnerUp", "browOuterUp", "eyeWide", "jawOpen", "mouthFunnel"],
    };

    /// <summary>Per blendshape, how much the target distribution's expressions use it, 0..1 (the strongest non-neutral
    /// class's blendshapes get its probability over the strongest class's).</summary>
    public static float[] Relevance(IReadOnlyList<string> blendshapeNames, IReadOnlyList<float> target)
    {
        ArgumentNullException.ThrowIfNull(blendshapeNames);
        ArgumentNullException.ThrowIfNull(target);
        var relevance = new float[blendshapeNames.Count];
        var top = Enumerable.Range(1, target.Count - 1).Max(i => target[i]);
        if (top <= 0)
        {
            return relevance;
        }

        for (var c = 1; c < target.Count; c++)
        {
            var weight = target[c] / top;
            foreach (var stem in Blendshapes[FaceExpressions.Names[c]])
            {
                for (var i = 0; i < blendshapeNames.Count; i++)
                {
                    var name = blendshapeNames[i];
                    var baseName = name.EndsWith("_L", StringComparison.Ordinal) || name.EndsWith("_R", StringComparison.Ordinal) ? name[..^2] : name;
                    if (baseName == stem)
                    {
                        relevance[i] = Math.Max(relevance[i], weight);
                    }
                }
            }
        }

        return relevance;
    }
}
