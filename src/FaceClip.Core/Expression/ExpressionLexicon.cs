using System.Text;
using System.Text.RegularExpressions;
using FaceClip.Core.Losses;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Expression;

/// <summary>
/// Reads a prompt into a target distribution over face-api's seven expressions, for the embedded critic (used when
/// CLIP's weights are not installed). The rules, in order:
/// <list type="number">
/// <item>Lower-case; "n't" becomes " not"; punctuation and hyphens become spaces; a few phrases ("straight face",
/// "grossed out", "open mouth", "in shock"...) become one word.</item>
/// <item>Expression words and their synonyms name a class or a mix (<c>smile→happy</c>, <c>frown→sad+angry</c>,
/// <c>horrified→fearful+disgusted</c>); forms ending in -ly, -ing, -ed, -s are reduced to a known word.</item>
/// <item>An intensity word applies to the next expression word: weak (slightly, a bit, mildly... → 0.55), strong
/// (very, extremely, really... → 1.0); the default is 0.9.</item>
/// <item>A negation (not, no, never, without, n't) applies to the next expression word within three words: that class
/// gets no mass; a prompt of only negations asks for a neutral face.</item>
/// <item>Several expression words mix ("happily surprised" is half happy, half surprised); the target puts the
/// strongest intensity on the mix and the rest on neutral.</item>
/// <item>Wink, smirk, one-sided, lopsided, left, right: the face may become asymmetric (the symmetry term is dropped).</item>
/// <item>Fillers (make, the, face, look, more...) are skipped; other unknown words are ignored and reported. A prompt
/// with no expression word at all is an <see cref="ExpressionPromptException"/> that lists the vocabulary.</item>
/// </list>
/// </summary>
public static class ExpressionLexicon
{
    public const double DefaultIntensity = 0.9;
    public const double WeakIntensity = 0.55;
    public const double StrongIntensity = 1.0;

    private static readonly Dictionary<string, (string Class, double Weight)[]> Words = BuildWords();

    private static readonly (string Phrase, string Token)[] Phrases =
    [
        ("straight face", "straightface"), ("poker face", "straightface"), ("grossed out", "grossedout"), ("freaked out", "scared"),
        ("open mouth", "openmouth"), ("mouth open", "openmouth"), ("mouth wide open", "openmouth"), ("in shock", "shocked"),
        ("jaw dropped", "openmouth"), ("jaw drop", "openmouth"), ("ear to ear", "strongly"), ("a bit", "slightly"),
        ("a little", "slightly"), ("a little bit", "slightly"), ("kind of", "slightly"), ("sort of", "slightly"),
        ("one sided", "lopsided"), ("half smile", "smirk"), ("on the verge of tears", "sad"), ("no expression", "straightface"),
    ];

    private static readonly Dictionary<string, double> Intensifiers = new()
    {
        ["slightly"] = WeakIntensity, ["slight"] = WeakIntensity, ["somewhat"] = WeakIntensity, ["mildly"] = WeakIntensity,
        ["mild"] = WeakIntensity, ["faintly"] = WeakIntensity, ["faint"] = WeakIntensity, ["subtly"] = WeakIntensity,
        ["subtle"] = WeakIntensity, ["barely"] = WeakIntensity, ["gently"] = WeakIntensity, ["gentle"] = WeakIntensity,
        ["little"] = WeakIntensity, ["bit"] = WeakIntensity, ["lightly"] = WeakIntensity, ["soft"] = WeakIntensity, ["softly"] = WeakIntensity,
        ["very"] = StrongIntensity, ["extremely"] = StrongIntensity, ["really"] = StrongIntensity, ["so"] = StrongIntensity,
        ["super"] = StrongIntensity, ["intensely"] = StrongIntensity, ["deeply"] = StrongIntensity, ["hugely"] = StrongIntensity,
        ["broadly"] = StrongIntensity, ["broad"] = StrongIntensity, ["wide"] = StrongIntensity, ["widely"] = StrongIntensity,
        ["big"] = StrongIntensity, ["huge"] = StrongIntensity, ["strongly"] = StrongIntensity, ["totally"] = StrongIntensity,
        ["completely"] = StrongIntensity, ["utterly"] = StrongIntensity, ["incredibly"] = StrongIntensity, ["terribly"] = StrongIntensity,
        ["absolutely"] = StrongIntensity, ["most"] = StrongIntensity, ["too"] = StrongIntensity,
    };

    private static readonly HashSet<string> Negations = ["not", "no", "never", "without", "nor", "neither", "stop", "less"];

    private static readonly HashSet<string> Asymmetric = ["wink", "winking", "winks", "smirk", "smirking", "smirks", "lopsided", "left", "right", "asymmetric", "asymmetrical", "crooked", "half"];

    private static readonly HashSet<string> Fillers =
    [
        "a", "an", "the", "make", "makes", "making", "made", "him", "her", "them", "it", "this", "that", "these", "he", "she", "they",
        "person", "man", "woman", "guy", "girl", "boy", "face", "faces", "expression", "expressions", "look", "looks", "looking", "appear",
        "appears", "seem", "seems", "be", "is", "are", "am", "was", "were", "being", "become", "becomes", "get", "gets", "getting", "turn",
        "with", "and", "but", "or", "of", "to", "in", "on", "at", "as", "like", "while", "into", "more", "bit", "feel", "feeling", "feels",
        "mood", "emotion", "emotional", "please", "someone", "somebody", "who", "his", "their", "its", "has", "have", "had", "does", "do",
        "did", "can", "could", "should", "would", "will", "mouth", "eyes", "eye", "brows", "eyebrows", "lips", "smiley", "photo", "portrait",
        "head", "show", "showing", "shows", "one", "side", "slightly", "extra", "expressing", "expressive", "mode", "kinda",
    ];

    /// <summary>The classes and a few of their words, for error messages and the docs.</summary>
    public static string Vocabulary =>
        "neutral (neutral, calm, relaxed, expressionless, straight face), happy (happy, smile, grin, laugh, joyful, cheerful, glad, delighted), " +
        "sad (sad, unhappy, crying, tearful, gloomy, depressed, frown), angry (angry, mad, furious, annoyed, scowl, grumpy), " +
        "fearful (afraid, scared, frightened, terrified, anxious, nervous, worried), disgusted (disgusted, grossed out, revolted, repulsed, sneer), " +
        "surprised (surprised, astonished, amazed, shocked, startled, open mouth); intensity: slightly, a bit, mildly / very, extremely, really; " +
        "negation: not, no, never, without; mixtures: \"happily surprised\", \"angry and disgusted\"; one-sided: wink, smirk, left, right";

    /// <summary>Reads a prompt; throws <see cref="ExpressionPromptException"/> when it names no expression.</summary>
    public static ExpressionTarget Parse(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var tokens = Tokenize(prompt);
        var understood = new List<string>();
        var ignored = new List<string>();
        var positive = new List<((string Class, double Weight)[] Mix, double Intensity)>();
        var negated = new HashSet<string>();
        double? pendingIntensity = null;
        var negationLeft = 0;
        var symmetric = true;
        foreach (var token in tokens)
        {
            if (Asymmetric.Contains(token))
            {
                symmetric = false;
                understood.Add($"{token}→one-sided");
            }

            if (Negations.Contains(token))
            {
                negationLeft = 4;
                understood.Add($"{token}→negation");
                continue;
            }

            if (Intensifiers.TryGetValue(token, out var intensity))
            {
                pendingIntensity = intensity;
                understood.Add($"{token}→intensity {intensity:0.##}");
                continue;
            }

            if (Lookup(token) is { } mix)
            {
                understood.Add($"{token}→{string.Join("+", mix.Select(m => m.Class))}{(negationLeft > 0 ? " (negated)" : string.Empty)}");
                if (negationLeft > 0)
                {
                    foreach (var (cls, _) in mix)
                    {
                        negated.Add(cls);
                    }
                }
                else
                {
                    positive.Add((mix, pendingIntensity ?? DefaultIntensity));
                }

                pendingIntensity = null;
                negationLeft = 0;
                continue;
            }

            negationLeft = Math.Max(0, negationLeft - 1);
            if (!Fillers.Contains(token) && !Asymmetric.Contains(token))
            {
                ignored.Add(token);
            }
        }

        if (positive.Count == 0 && negated.Count == 0)
        {
            throw new ExpressionPromptException(
                $"The embedded expression critic cannot read \"{prompt}\": it names no expression it knows. " +
                $"It understands {Vocabulary}. Install CLIP's weights (`faceclip models fetch clip`) for free-form text.");
        }

        var names = FaceExpressions.Names;
        var p = new double[names.Count];
        var strength = 0.0;
        foreach (var (mix, intensity) in positive)
        {
            var total = mix.Sum(m => m.Weight);
            foreach (var (cls, weight) in mix)
            {
                if (!negated.Contains(cls))
                {
                    p[FaceExpressions.IndexOf(cls)] += weight / total;
                }
            }

            strength = Math.Max(strength, intensity);
        }

        var neutral = FaceExpressions.IndexOf("neutral");
        var emotional = Enumerable.Range(0, p.Length).Where(i => i != neutral).Sum(i => p[i]);
        var neutralAsked = p[neutral];
        var result = new double[p.Length];
        if (emotional > 0)
        {
            // The mix takes the strongest intensity; neutral words dilute it further.
            var share = strength * emotional / (emotional + neutralAsked);
            for (var i = 0; i < p.Length; i++)
            {
                result[i] = i == neutral ? 1 - share : p[i] / emotional * share;
            }
        }
        else
        {
            result[neutral] = 1; // only "neutral" words, or only negations
        }

        return new ExpressionTarget
        {
            Prompt = prompt,
            Probabilities = result.Select(v => (float)v).ToArray(),
            Intensity = emotional > 0 ? result.Where((_, i) => i != neutral).Sum() : 0,
            Symmetric = symmetric,
            Understood = understood,
            Ignored = ignored,
        };
    }

    /// <summary>Whether the prompt asks for a one-sided face (wink, smirk, left, right...): the symmetry term is dropped.</summary>
    public static bool IsOneSided(string prompt) => Tokenize(prompt ?? string.Empty).Any(Asymmetric.Contains);

    /// <summary>Parses without throwing: null and the message when the prompt names no expression.</summary>
    public static ExpressionTarget? TryParse(string prompt, out string? error)
    {
        try
        {
            error = null;
            return Parse(prompt);
        }
        catch (ExpressionPromptException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>Checks prompts before any heavy work: when the embedded critic will read them (<paramref name="critic"/>
    /// <c>face</c>, or <c>auto</c> without CLIP weights installed), the message of the first one it cannot read; null
    /// when all read, or when CLIP (which reads any text) will run.</summary>
    public static string? FirstUnreadable(IEnumerable<string> prompts, CriticChoice critic, bool clipInstalled)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (critic.Resolve(clipInstalled) == CriticKind.Clip)
        {
            return null;
        }

        foreach (var prompt in prompts)
        {
            if (TryParse(prompt, out var error) is null)
            {
                return error;
            }
        }

        return null;
    }

    private static List<string> Tokenize(string prompt)
    {
        var text = prompt.ToLowerInvariant().Replace("n't", " not").Replace("’", "'");
        text = Regex.Replace(text, "[^a-z ]+", " ");
        text = " " + Regex.Replace(text, " +", " ").Trim() + " ";
        foreach (var (phrase, token) in Phrases.OrderByDescending(p => p.Phrase.Length))
        {
            text = text.Replace($" {phrase} ", $" {token} ");
        }

        return text.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static (string Class, double Weight)[]? Lookup(string token)
    {
        if (Words.TryGetValue(token, out var mix))
        {
            return mix;
        }

        foreach (var suffix in new[] { "ily", "ly", "ing", "ed", "es", "s", "ness" })
        {
            if (token.Length > suffix.Length + 2 && token.EndsWith(suffix, StringComparison.Ordinal))
            {
                var stem = token[..^suffix.Length];
                foreach (var candidate in new[] { stem, stem + "e", stem + "y", stem.Length > 3 && stem[^1] == stem[^2] ? stem[..^1] : stem })
                {
                    if (Words.TryGetValue(candidate, out mix))
                    {
                        return mix;
                    }
                }
            }
        }

        return null;
    }

    private static Dictionary<string, (string, double)[]> BuildWords()
    {
        var words = new Dictionary<string, (string, double)[]>();
        void Add(string cls, params string[] list)
        {
            foreach (var w in list)
            {
                words[w] = [(cls, 1.0)];
            }
        }

        void Mix(string word, params (string, double)[] mix) => words[word] = mix;

        Add("neutral", "neutral", "calm", "calmly", "expressionless", "blank", "relaxed", "serene", "straightface", "emotionless",
            "deadpan", "impassive", "stoic", "composed", "unemotional", "rest", "resting", "indifferent", "bored");
        Add("happy", "happy", "happily", "happiness", "smile", "smiling", "smiles", "smiled", "grin", "grinning", "grins", "joy", "joyful",
            "joyous", "joyfully", "cheerful", "cheerfully", "cheery", "glad", "gladly", "delight", "delighted", "laugh", "laughing", "laughs",
            "pleased", "content", "merry", "elated", "ecstatic", "beaming", "beam", "amused", "jolly", "excited", "thrilled", "overjoyed", "friendly",
            "smirk", "wink", "blissful", "euphoric", "giggle", "giggling", "chuckle", "chuckling", "funny");
        Add("sad", "sad", "sadly", "sadness", "unhappy", "sorrow", "sorrowful", "cry", "crying", "cries", "tearful", "tears", "weep",
            "weeping", "gloomy", "depressed", "miserable", "upset", "melancholy", "melancholic", "grief", "grieving", "heartbroken",
            "downcast", "despair", "despairing", "mournful", "mourning", "pout", "pouting", "sulk", "sulking", "dejected", "sob", "sobbing",
            "disappointed", "hurt", "lonely", "sorry");
        Add("angry", "angry", "angrily", "anger", "mad", "furious", "fury", "rage", "raging", "enraged", "annoyed", "irritated", "irate",
            "cross", "scowl", "scowling", "grumpy", "hostile", "livid", "outraged", "fuming", "frustrated", "aggressive", "mean", "stern", "glare",
            "glaring", "snarl", "snarling", "resentful", "indignant", "vexed", "irritable");
        Add("fearful", "fear", "fearful", "fearfully", "afraid", "scared", "frightened", "terrified", "terror", "fright", "anxious",
            "nervous", "panicked", "panic", "panicking", "worried", "worry", "alarmed", "petrified", "spooked", "uneasy", "apprehensive",
            "timid", "dread", "dreading", "horror", "tense", "creeped");
        Add("disgusted", "disgust", "disgusted", "disgustedly", "disgusting", "grossedout", "gross", "revolted", "repulsed", "sickened",
            "nauseated", "nauseous", "yuck", "eww", "ew", "icky", "sneer", "sneering", "contempt", "contemptuous", "distaste", "repelled",
            "appalled", "loathing", "scornful", "scorn", "disdain", "disdainful");
        Add("surprised", "surprise", "surprised", "surprisedly", "astonished", "astonishment", "amazed", "amazement", "shocked", "shock",
            "startled", "stunned", "astounded", "wow", "awe", "awed", "openmouth", "flabbergasted", "speechless", "gasp", "gasping",
            "wonder", "bewildered", "dumbfounded", "agape", "incredulous");
        Mix("frown", ("sad", 0.6), ("angry", 0.4));
        Mix("frowning", ("sad", 0.6), ("angry", 0.4));
        Mix("frowns", ("sad", 0.6), ("angry", 0.4));
        Mix("horrified", ("fearful", 0.6), ("disgusted", 0.4));
        Mix("horror", ("fearful", 0.6), ("disgusted", 0.4));
        Mix("grimace", ("disgusted", 0.5), ("fearful", 0.25), ("angry", 0.25));
        Mix("grimacing", ("disgusted", 0.5), ("fearful", 0.25), ("angry", 0.25));
        Mix("confused", ("surprised", 0.5), ("neutral", 0.5));
        Mix("puzzled", ("surprised", 0.5), ("neutral", 0.5));
        Mix("smug", ("happy", 0.6), ("neutral", 0.4));
        Mix("shy", ("happy", 0.5), ("neutral", 0.5));
        Mix("hopeful", ("happy", 0.6), ("neutral", 0.4));
        Mix("jealous", ("angry", 0.5), ("sad", 0.5));
        Mix("pain", ("sad", 0.5), ("disgusted", 0.5));
        Mix("painful", ("sad", 0.5), ("disgusted", 0.5));
        return words;
    }

    /// <summary>A short human-readable form of a target, e.g. <c>happy 0.90, neutral 0.10</c>.</summary>
    public static string Describe(ExpressionTarget target)
    {
        var sb = new StringBuilder();
        foreach (var (name, p) in FaceExpressions.Names.Zip(target.Probabilities).Where(x => x.Second > 0.005).OrderByDescending(x => x.Second))
        {
            sb.Append(sb.Length > 0 ? ", " : string.Empty).Append($"{name} {p:0.00}");
        }

        return sb.ToString();
    }
}
