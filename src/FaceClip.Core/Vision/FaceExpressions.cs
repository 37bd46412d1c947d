namespace FaceClip.Core.Vision;

/// <summary>Probabilities of face-api's seven expressions, in <see cref="Names"/> order.</summary>
public sealed record FaceExpressions(IReadOnlyList<float> Probabilities)
{
    /// <summary>The class order of the expression net's output.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised" };

    public float this[string name] => Probabilities[IndexOf(name)];

    /// <summary>The most probable expression.</summary>
    public string Dominant
    {
        get
        {
            var best = 0;
            for (var i = 1; i < Probabilities.Count; i++)
            {
                if (Probabilities[i] > Probabilities[best])
                {
                    best = i;
                }
            }

            return Names[best];
        }
    }

    public static int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new ArgumentException($"Unknown expression '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name));
    }
}
