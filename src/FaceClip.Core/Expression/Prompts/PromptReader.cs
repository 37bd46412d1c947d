using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Losses;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Expression.Prompts;

/// <summary>
/// Reads a prompt for the embedded critic (used when CLIP's weights are not installed) by meaning, not by word list: a
/// sentence-embedding model (<see cref="MiniLmSentenceEncoder"/>) compares each clause of the prompt with the
/// descriptions of <see cref="ExpressionConcepts"/> (the seven emotions, FACS action units, named movements) and takes
/// the concepts it matches best. Two rules stay, each because a test shows the model alone cannot do it:
/// <list type="bullet">
/// <item>clauses: the prompt is cut at commas, "and", "but", "while", so "surprised but not happy" reads as two asks;</item>
/// <item>negation: "not smiling" embeds next to "smiling" (the model reads it as happy), so a clause with not, no, never,
/// without or n't is read without its negation and what it matches is refused instead of asked for;</item>
/// <item>degree: "slightly smiling" embeds nearer "smiling" than "a slight smile", so a degree adverb (slightly, a bit,
/// barely... / very, extremely, hugely...) sets the intensity; without one it is the matched description's ("a faint
/// smile" is weak, "laughing out loud" strong).</item>
/// </list>
/// A clause whose best match is weaker than <see cref="MinSimilarity"/> is left out; a prompt with no clause read is an
/// <see cref="ExpressionPromptException"/> that suggests the nearest concepts. A clause read without an emotion also
/// reads the phrases after its prepositions (in, with, of, from) on their own for one: "jaw dropped in shock" is the
/// jaw drop and, from "shock", surprise; "scream in terror" a scream and fear. A one-sided movement (a smirk, a wink)
/// is read only as a clause's best match, never beside a better one. Readings are cached per prompt.
/// </summary>
public sealed partial class PromptReader
{
    /// <summary>Cosine similarity a clause needs with some description to be read.</summary>
    public const double MinSimilarity = 0.42;

    /// <summary>Other concepts within this of a clause's best match are read too ("jaw dropped in shock": the jaw drop
    /// and surprise).</summary>
    public const double Margin = 0.06;

    /// <summary>At most this many concepts per clause.</summary>
    public const int MaxPerClause = 3;

    private const string Suggestions =
        "Try an emotion (happy, sad, angry, afraid, disgusted, surprised, calm) or a movement (wink with the left eye, raise your right eyebrow, " +
        "close your eyes, puff your cheeks, blow a kiss, pout, drop the jaw, yawn); install CLIP's weights (`faceclip models fetch clip`) to have CLIP read free text.";

    private const int CacheSize = 2048;
    private static readonly Lazy<PromptReader> SharedReader = new(() => new PromptReader(new MiniLmSentenceEncoder()));
    private readonly ISentenceEncoder _encoder;
    private readonly IReadOnlyList<ExpressionConcept> _concepts;
    private readonly Lazy<(int Concept, double Intensity, float[] Embedding)[]> _descriptions;
    private readonly ConcurrentDictionary<string, ExpressionTarget> _cache = new();

    public PromptReader(ISentenceEncoder encoder, IReadOnlyList<ExpressionConcept>? concepts = null)
    {
        _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        _concepts = concepts ?? ExpressionConcepts.All;
        _descriptions = new Lazy<(int, double, float[])[]>(EmbedDescriptions);
    }

    /// <summary>One reader for the process, on all-MiniLM-L6-v2 (loaded on first use).</summary>
    public static PromptReader Shared => SharedReader.Value;

    public string ModelName => _encoder.Name;

    public IReadOnlyList<ExpressionConcept> Concepts => _concepts;

    /// <summary>Reads a prompt; throws <see cref="ExpressionPromptException"/> when no part of it matches a concept.</summary>
    public ExpressionTarget Read(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var key = prompt.Trim();
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var target = ReadUncached(key);
        if (_cache.Count >= CacheSize)
        {
            _cache.Clear();
        }

        _cache[key] = target;
        return target;
    }

    /// <summary>Reads without throwing: null and the message when the prompt matches nothing.</summary>
    public ExpressionTarget? TryRead(string prompt, out string? error)
    {
        var target = TryReadWithRefusal(prompt, out var refusal);
        error = refusal?.Message;
        return target;
    }

    /// <summary>Reads without throwing: null and the refusal (its message and the nearest concepts) when the prompt
    /// matches nothing.</summary>
    public ExpressionTarget? TryReadWithRefusal(string prompt, out ExpressionPromptException? refusal)
    {
        try
        {
            refusal = null;
            return Read(prompt);
        }
        catch (ExpressionPromptException ex)
        {
            refusal = ex;
            return null;
        }
    }

    /// <summary>Checks prompts before any heavy work: when the embedded critic will read them (<paramref name="critic"/>
    /// <c>face</c>, or <c>auto</c> without CLIP weights installed), the message of the first one it cannot read; null
    /// when all read, or when CLIP (which reads any text) will run.</summary>
    public string? FirstUnreadable(IEnumerable<string> prompts, CriticChoice critic, bool clipInstalled)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (critic.Resolve(clipInstalled) == CriticKind.Clip)
        {
            return null;
        }

        foreach (var prompt in prompts)
        {
            if (TryRead(prompt, out var error) is null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>Every concept's similarity to a text (its best description), best first: what the model sees, for
    /// tests and suggestions.</summary>
    public IReadOnlyList<(ExpressionConcept Concept, double Similarity, double Intensity)> Rank(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Score(_encoder.Encode([text])[0]);
    }

    private IReadOnlyList<(ExpressionConcept Concept, double Similarity, double Intensity)> Score(float[] embedding)
    {
        var best = new (double Similarity, double Intensity)[_concepts.Count];
        Array.Fill(best, (double.NegativeInfinity, 0));
        foreach (var (concept, intensity, description) in _descriptions.Value)
        {
            var s = Statistics.Cosine(embedding, description);
            if (s > best[concept].Similarity)
            {
                best[concept] = (s, intensity);
            }
        }

        return best.Select((b, i) => (_concepts[i], b.Similarity, b.Intensity)).OrderByDescending(x => x.Similarity).ToList();
    }

    private ExpressionTarget ReadUncached(string prompt)
    {
        var clauses = Clauses(prompt);
        if (clauses.Count == 0)
        {
            throw new ExpressionPromptException($"The prompt is empty. {Suggestions}");
        }

        // Each clause as written, without its negation words when it has any, and the phrases after its prepositions.
        var stripped = clauses.Select(c => Negation().IsMatch(c) ? Negation().Replace(c, " ").Trim() : null).ToArray();
        var tails = clauses.Select(Tails).ToArray();
        var texts = clauses.Concat(stripped.Where(s => s is not null).Select(s => s!.Length == 0 ? "nothing" : s)).Concat(tails.SelectMany(t => t)).ToArray();
        var embeddings = _encoder.Encode(texts);
        var tailAt = texts.Length - tails.Sum(t => t.Count);
        var reading = new Reading();
        var next = clauses.Count;
        for (var c = 0; c < clauses.Count; c++)
        {
            var degree = Degree(clauses[c]);
            var asWritten = WithDegree(Score(embeddings[c]), degree);
            var tailScores = tails[c].Select(_ => WithDegree(Score(embeddings[tailAt++]), degree)).ToList();
            if (stripped[c] is null)
            {
                reading.Add(clauses[c], WithTails(Pick(asWritten), tailScores), negated: false);
                continue;
            }

            var plain = WithDegree(Score(embeddings[next++]), degree);
            // "no expression at all" names the neutral face itself: the clause as written says what it asks for.
            if (asWritten[0].Concept.Name == "neutral" && asWritten[0].Similarity >= MinSimilarity)
            {
                reading.Add(clauses[c], Pick(asWritten), negated: false);
            }
            else
            {
                reading.Add(clauses[c], WithTails(Pick(plain), tailScores), negated: true);
            }
        }

        if (reading.Read == 0)
        {
            var near = Score(_encoder.Encode([prompt])[0]).Take(4).Select(x => x.Concept.Descriptions[0].Text).ToList();
            throw new ExpressionPromptException(
                $"Cannot read \"{prompt}\" as an expression: nothing in it is close to an emotion or a movement of the face " +
                $"(closest: {string.Join(", ", near.Select(n => $"\"{n}\""))}). {Suggestions}", near);
        }

        return reading.Build(prompt);
    }

    private static List<(ExpressionConcept Concept, double Similarity, double Intensity)> Pick(IReadOnlyList<(ExpressionConcept Concept, double Similarity, double Intensity)> ranked)
    {
        var picked = new List<(ExpressionConcept, double, double)>();
        if (ranked.Count == 0 || ranked[0].Similarity < MinSimilarity)
        {
            return picked;
        }

        var groups = new HashSet<string>();
        var floor = Math.Max(MinSimilarity, ranked[0].Similarity - Margin);
        foreach (var r in ranked.TakeWhile(r => r.Similarity >= floor))
        {
            // One concept per group; "neutral" only on its own (it is the absence of the others); a one-sided movement
            // only as the best match ("grinning" is near "smirking", but a grin is not one-sided).
            if (picked.Count > 0 && (r.Concept.Name == "neutral" || r.Concept.OneSided))
            {
                continue;
            }

            if (!groups.Add(r.Concept.ExclusionGroup))
            {
                continue;
            }

            picked.Add(r);
            if (picked.Count == MaxPerClause || r.Concept.Name == "neutral")
            {
                break;
            }
        }

        return picked;
    }

    /// <summary>A clause's reading with no emotion takes the emotion one of its prepositional phrases matches best.</summary>
    private static List<(ExpressionConcept Concept, double Similarity, double Intensity)> WithTails(
        List<(ExpressionConcept Concept, double Similarity, double Intensity)> picked, IReadOnlyList<IReadOnlyList<(ExpressionConcept Concept, double Similarity, double Intensity)>> tails)
    {
        if (picked.Count == 0 || picked.Count >= MaxPerClause || picked.Any(p => p.Concept.Kind == ConceptKind.Emotion))
        {
            return picked;
        }

        var emotion = tails.Select(t => t[0]).Where(t => t.Concept.Kind == ConceptKind.Emotion && t.Concept.Name != "neutral" && t.Similarity >= MinSimilarity)
            .OrderByDescending(t => t.Similarity).ToList();
        return emotion.Count == 0 ? picked : [.. picked, emotion[0]];
    }

    /// <summary>The phrases after a clause's prepositions ("jaw dropped in shock": "shock").</summary>
    private static List<string> Tails(string clause) =>
        Preposition().Split(clause).Skip(1).Select(t => t.Trim()).Where(t => t.Any(char.IsLetter)).ToList();

    /// <summary>The intensity a degree adverb in the clause names, or null.</summary>
    private static double? Degree(string clause) =>
        WeakDegree().IsMatch(clause) ? ExpressionConcepts.WeakIntensity : StrongDegree().IsMatch(clause) ? ExpressionConcepts.StrongIntensity : null;

    private static List<(ExpressionConcept Concept, double Similarity, double Intensity)> WithDegree(
        IReadOnlyList<(ExpressionConcept Concept, double Similarity, double Intensity)> ranked, double? degree) =>
        degree is { } d ? ranked.Select(r => (r.Concept, r.Similarity, d)).ToList() : [.. ranked];

    private (int, double, float[])[] EmbedDescriptions()
    {
        var rows = _concepts.SelectMany((c, i) => c.Descriptions.Select(d => (Concept: i, d.Intensity, d.Text))).ToArray();
        var embeddings = _encoder.Encode(rows.Select(r => r.Text).ToArray());
        return rows.Select((r, i) => (r.Concept, r.Intensity, embeddings[i])).ToArray();
    }

    private static List<string> Clauses(string prompt)
    {
        var text = prompt.ToLowerInvariant().Replace('’', '\'');
        return ClauseBreak().Split(text).Select(c => c.Trim(' ', '.', '!', '?', '"', '\'')).Where(c => c.Any(char.IsLetter)).ToList();
    }

    [GeneratedRegex(@"[,;:]|\band\b|\bbut\b|\bwhile\b|\bplus\b|\bthen\b|\.\s")]
    private static partial Regex ClauseBreak();

    [GeneratedRegex(@"\b(not|no|never|without|neither|nor|stop|quit)\b|n't\b")]
    private static partial Regex Negation();

    [GeneratedRegex(@"\b(slightly|slight|a bit|a little|a tiny bit|faintly|faint|barely|mildly|mild|somewhat|subtly|subtle|gently|kind of|sort of|hint of)\b")]
    private static partial Regex WeakDegree();

    [GeneratedRegex(@"\b(very|extremely|really|hugely|huge|so|totally|utterly|intensely|incredibly|terribly|super|completely|absolutely|wildly|big|broad|broadly|from ear to ear)\b")]
    private static partial Regex StrongDegree();

    [GeneratedRegex(@"\b(?:in|with|of|from|out of|full of)\b")]
    private static partial Regex Preposition();


    /// <summary>What the clauses asked for, gathered.</summary>
    private sealed class Reading
    {
        private readonly List<(Dictionary<string, double> Mix, double Intensity)> _emotions = [];
        private readonly HashSet<string> _refusedClasses = [];
        private readonly Dictionary<string, float> _actions = [];
        private readonly HashSet<string> _relaxed = [];
        private readonly List<string> _understood = [];
        private readonly List<string> _ignored = [];
        private readonly List<ReadConcept> _concepts = [];
        private bool _oneSided;
        private bool _emotionNamed;

        public int Read { get; private set; }

        public void Add(string clause, List<(ExpressionConcept Concept, double Similarity, double Intensity)> picked, bool negated)
        {
            if (picked.Count == 0)
            {
                _ignored.Add(clause);
                return;
            }

            Read++;
            _understood.Add($"\"{clause}\" → {(negated ? "not " : "")}{string.Join(" + ", picked.Select(p => $"{p.Concept.Name} ({p.Similarity:0.00})"))}");
            foreach (var (concept, similarity, intensity) in picked)
            {
                _concepts.Add(new ReadConcept(concept.Name, concept.Kind, negated, similarity));
                if (concept.Kind == ConceptKind.Emotion)
                {
                    _emotionNamed = true;
                    if (negated)
                    {
                        _refusedClasses.UnionWith(concept.Emotions.Keys.Where(k => k != "neutral"));
                    }
                    else
                    {
                        _emotions.Add((concept.Emotions.ToDictionary(kv => kv.Key, kv => kv.Value), intensity));
                    }

                    continue;
                }

                if (negated)
                {
                    _relaxed.UnionWith(concept.Blendshapes.Keys);
                    continue;
                }

                _oneSided |= concept.OneSided;
                foreach (var (name, level) in concept.Blendshapes)
                {
                    _actions[name] = Math.Max(_actions.GetValueOrDefault(name), (float)(level * intensity / ExpressionConcepts.DefaultIntensity));
                }

                _relaxed.UnionWith(concept.Against);
            }
        }

        public ExpressionTarget Build(string prompt)
        {
            var names = FaceExpressions.Names;
            var neutral = FaceExpressions.IndexOf("neutral");
            var p = new double[names.Count];
            var strength = 0.0;
            foreach (var (mix, intensity) in _emotions)
            {
                var total = mix.Where(m => !_refusedClasses.Contains(m.Key)).Sum(m => m.Value);
                foreach (var (cls, share) in mix.Where(m => !_refusedClasses.Contains(m.Key)))
                {
                    p[FaceExpressions.IndexOf(cls)] += share / total;
                }

                strength = Math.Max(strength, intensity);
            }

            var emotional = Enumerable.Range(0, p.Length).Where(i => i != neutral).Sum(i => p[i]);
            var result = new double[p.Length];
            if (emotional > 0)
            {
                // The mix takes the strongest intensity; a neutral ask dilutes it further.
                var share = strength * emotional / (emotional + p[neutral]);
                for (var i = 0; i < p.Length; i++)
                {
                    result[i] = i == neutral ? 1 - share : p[i] / emotional * share;
                }
            }
            else
            {
                result[neutral] = 1;
            }

            foreach (var name in _actions.Keys)
            {
                _relaxed.Remove(name);
            }

            return new ExpressionTarget
            {
                Prompt = prompt,
                Probabilities = result.Select(v => (float)v).ToArray(),
                Intensity = emotional > 0 ? result.Where((_, i) => i != neutral).Sum() : 0,
                Symmetric = !_oneSided,
                Actions = _actions,
                Relaxed = [.. _relaxed.Order(StringComparer.Ordinal)],
                JudgedByCritic = _emotionNamed || _actions.Count == 0,
                Concepts = _concepts,
                Understood = _understood,
                Ignored = _ignored,
            };
        }
    }
}
