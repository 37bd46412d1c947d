using FaceClip.Core.Vision;

namespace FaceClip.Core.Expression;

/// <summary>
/// What the embedded critic reads from a prompt: a target distribution over face-api's seven expressions
/// (<see cref="FaceExpressions.Names"/> order), the intensity, whether the face should stay left/right symmetric, the
/// words it used and the words it ignored.
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

    /// <summary>How far from neutral, 0..1 (the share of the non-neutral classes before negation).</summary>
    public required double Intensity { get; init; }

    /// <summary>False when the prompt asks for a one-sided expression (wink, smirk, left/right).</summary>
    public required bool Symmetric { get; init; }

    /// <summary>The words and phrases that were understood, as the lexicon read them (e.g. <c>smiling→happy</c>).</summary>
    public required IReadOnlyList<string> Understood { get; init; }

    /// <summary>Words that were neither an expression, a modifier nor a filler, and were ignored.</summary>
    public required IReadOnlyList<string> Ignored { get; init; }
}
