using System.Text;
using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Expression;

/// <summary>
/// What the embedded critic reads from a prompt (<see cref="Prompts.PromptReader"/>): a target distribution over
/// face-api's seven expressions (<see cref="FaceExpressions.Names"/> order) and its intensity, the blendshape movements
/// it asks for (a wink, a kiss, a raised brow) and those it refuses, whether the face should stay left/right
/// symmetric, whether the expression net can judge it, and what was read from which part of the prompt.
/// </summary>
public sealed record ExpressionTarget
{
    public required string Prompt { get; init; }

    /// <summary>Seven probabilities summing to one (neutral, happy, sad, angry, fearful, disgusted, surprised).</summary>
    public required float[] Probabilities { get; init; }

    /// <summary>The strongest non-neutral class the prompt asks for, or <c>neutral</c>.</summary>
    public string Dominant
    {
        get
        {
            var best = 0;
            for (var i = 1; i < Probabilities.Length; i++)
            {
                if (Probabilities[i] > (best == 0 ? 0 : Probabilities[best]))
                {
                    best = i;
                }
            }

            return FaceExpressions.Names[best];
        }
    }

    /// <summary>How far from neutral the emotion is, 0..1 (the share of the non-neutral classes).</summary>
    public required double Intensity { get; init; }

    /// <summary>False when the prompt asks for a one-sided expression (wink, smirk, one brow).</summary>
    public required bool Symmetric { get; init; }

    /// <summary>ICT-FaceKit blendshape → the level the prompt's movements and action units ask of it (empty for a
    /// plain emotion).</summary>
    public IReadOnlyDictionary<string, float> Actions { get; init; } = new Dictionary<string, float>();

    /// <summary>ICT-FaceKit blendshapes the prompt refuses ("don't close your eyes") or that contradict its movements:
    /// pulled towards zero.</summary>
    public IReadOnlyList<string> Relaxed { get; init; } = [];

    /// <summary>Whether the seven-class expression net can judge the target: false when the prompt asks only for
    /// movements it has no class for (a wink, puffed cheeks), which the prior then carries alone.</summary>
    public bool JudgedByCritic { get; init; } = true;

    /// <summary>The concepts read, in prompt order.</summary>
    public IReadOnlyList<ReadConcept> Concepts { get; init; } = [];

    /// <summary>What each part of the prompt was read as, with the similarity (e.g. <c>"blow a kiss" → kiss (0.60)</c>).</summary>
    public required IReadOnlyList<string> Understood { get; init; }

    /// <summary>Parts of the prompt that matched nothing and were left out.</summary>
    public required IReadOnlyList<string> Ignored { get; init; }

    /// <summary>A short human-readable form, e.g. <c>happy 0.90, neutral 0.10</c> or <c>wink right; one-sided</c>.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        if (JudgedByCritic)
        {
            foreach (var (name, p) in FaceExpressions.Names.Zip(Probabilities).Where(x => x.Second > 0.005).OrderByDescending(x => x.Second))
            {
                sb.Append(sb.Length > 0 ? ", " : string.Empty).Append($"{name} {p:0.00}");
            }
        }

        var movements = Concepts.Where(c => c.Kind != ConceptKind.Emotion && !c.Refused).Select(c => c.Name).ToList();
        if (movements.Count > 0)
        {
            sb.Append(sb.Length > 0 ? "; " : string.Empty).Append(string.Join(", ", movements));
        }

        var refused = Concepts.Where(c => c.Refused).Select(c => $"not {c.Name}").ToList();
        if (refused.Count > 0)
        {
            sb.Append(sb.Length > 0 ? "; " : string.Empty).Append(string.Join(", ", refused));
        }

        if (!Symmetric)
        {
            sb.Append("; one-sided");
        }

        return sb.ToString();
    }
}

/// <summary>One concept a prompt was read as: its name and kind, whether the prompt refused it ("not smiling"), and the
/// similarity of the best description to the part of the prompt it was read from.</summary>
public sealed record ReadConcept(string Name, ConceptKind Kind, bool Refused, double Similarity);
