namespace FaceClip.Core.Expression.Prompts;

/// <summary>What kind of thing a concept names: one of the seven emotions the embedded critic's expression net knows,
/// a FACS action unit, or a movement of the face (a blendshape or a few of them: a wink, a kiss, a yawn).</summary>
public enum ConceptKind
{
    Emotion,
    ActionUnit,
    Movement,
}

/// <summary>One description of a concept, with the intensity it names (a "faint smile" 0.5, "laughing" 1).</summary>
public sealed record ConceptDescription(string Text, double Intensity);

/// <summary>
/// Something a prompt can ask for, written once: its descriptions (what a sentence-embedding model compares the prompt
/// with), and what it does to the face — for an emotion, the expression net's class mix (the transfer then uses the
/// class's prototype, <see cref="ExpressionPrototypes"/>); for an action unit or a movement, ICT-FaceKit blendshape
/// levels at full intensity and the blendshapes it contradicts. <see cref="Group"/> names concepts of which a reading
/// keeps only one (the left and the right wink; raising one brow or both). Sides are the subject's own: <c>_L</c> is the
/// subject's left.
/// </summary>
public sealed record ExpressionConcept
{
    public required string Name { get; init; }

    public required ConceptKind Kind { get; init; }

    /// <summary>Concepts of one group exclude each other; null: its own group.</summary>
    public string? Group { get; init; }

    public required IReadOnlyList<ConceptDescription> Descriptions { get; init; }

    /// <summary>For an emotion: class → share (the seven face-api classes), summing to one.</summary>
    public IReadOnlyDictionary<string, double> Emotions { get; init; } = new Dictionary<string, double>();

    /// <summary>For an action unit or a movement: ICT blendshape → level at full intensity.</summary>
    public IReadOnlyDictionary<string, float> Blendshapes { get; init; } = new Dictionary<string, float>();

    /// <summary>ICT blendshapes this concept contradicts (pulled towards zero when it is asked for).</summary>
    public IReadOnlyList<string> Against { get; init; } = [];

    /// <summary>True when the concept moves one side of the face only (the symmetry term is dropped).</summary>
    public bool OneSided { get; init; }

    /// <summary>The group of exclusion (the name when the concept has none).</summary>
    public string ExclusionGroup => Group ?? Name;
}
