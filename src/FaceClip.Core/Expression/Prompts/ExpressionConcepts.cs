namespace FaceClip.Core.Expression.Prompts;

/// <summary>
/// Everything a prompt can ask for when CLIP is not installed, each written once as a few plain descriptions: the seven
/// emotions of the expression net (each described by how it looks, how strong it is and what typically causes it), the
/// FACS action units that ICT-FaceKit's blendshapes can show, and the movements people name (wink, kiss, pout, yawn,
/// scream, look aside...). <see cref="PromptReader"/> compares a prompt with these descriptions through a
/// sentence-embedding model; nothing here lists the words a prompt may use.
/// </summary>
public static class ExpressionConcepts
{
    /// <summary>The intensity of a description that names none ("a sad face").</summary>
    public const double DefaultIntensity = 0.9;

    /// <summary>The intensity of a description that names a weak form ("a slight smile").</summary>
    public const double WeakIntensity = 0.55;

    /// <summary>The intensity of a description that names a strong form ("laughing", "furious").</summary>
    public const double StrongIntensity = 1.0;

    public static IReadOnlyList<ExpressionConcept> All { get; } = Build();

    private static ConceptDescription[] D(params string[] texts) => texts.Select(t => new ConceptDescription(t, DefaultIntensity)).ToArray();

    private static ConceptDescription[] Weak(params string[] texts) => texts.Select(t => new ConceptDescription(t, WeakIntensity)).ToArray();

    private static ConceptDescription[] Strong(params string[] texts) => texts.Select(t => new ConceptDescription(t, StrongIntensity)).ToArray();

    private static Dictionary<string, float> Both(params (string Stem, float Level)[] levels) =>
        levels.SelectMany(l => new[] { ($"{l.Stem}_L", l.Level), ($"{l.Stem}_R", l.Level) }).ToDictionary(x => x.Item1, x => x.Item2);

    private static Dictionary<string, float> Side(string side, params (string Stem, float Level)[] levels) =>
        levels.ToDictionary(l => $"{l.Stem}_{side}", l => l.Level);

    private static Dictionary<string, float> Plain(params (string Name, float Level)[] levels) => levels.ToDictionary(l => l.Name, l => l.Level);

    private static string[] BothOf(params string[] stems) => stems.SelectMany(s => new[] { $"{s}_L", $"{s}_R" }).ToArray();

    private static ExpressionConcept Emotion(string name, ConceptDescription[] descriptions, params (string Class, double Share)[] mix) => new()
    {
        Name = name,
        Kind = ConceptKind.Emotion,
        Descriptions = descriptions,
        Emotions = (mix.Length == 0 ? [(name, 1.0)] : mix).ToDictionary(m => m.Item1, m => m.Item2),
    };

    private static ExpressionConcept Move(string name, ConceptKind kind, Dictionary<string, float> blendshapes, string[] against, ConceptDescription[] descriptions,
        string? group = null, bool oneSided = false) => new()
        {
            Name = name,
            Kind = kind,
            Group = group,
            Descriptions = descriptions,
            Blendshapes = blendshapes,
            Against = against,
            OneSided = oneSided,
        };

    private static List<ExpressionConcept> Build()
    {
        var au = ConceptKind.ActionUnit;
        var move = ConceptKind.Movement;
        var list = new List<ExpressionConcept>
        {
            // The seven emotions of the expression net.
            Emotion("neutral", [.. D("a neutral face", "a calm, relaxed face", "no expression at all", "a blank, expressionless stare", "a straight face",
                "a composed, serene look", "calm", "a poker face", "a bored, indifferent look")]),
            Emotion("happy", [.. D("a happy face", "smiling", "a smile", "a cheerful, joyful face", "a warm, friendly smile", "happy", "glad and pleased",
                "delighted by good news"), .. Weak("a slight smile", "a faint, gentle smile", "slightly happy"),
                .. Strong("laughing out loud", "a huge grin", "a beaming, wide smile showing the teeth", "overjoyed, ecstatic")]),
            Emotion("sad", [.. D("a sad face", "sad", "unhappy and downcast", "a sorrowful, gloomy look", "grieving a loss", "heartbroken and miserable",
                "tearful", "disappointed"), .. Weak("slightly sad", "a little melancholy"), .. Strong("crying and sobbing", "weeping in despair")]),
            Emotion("angry", [.. D("an angry face", "angry", "mad and annoyed", "a stern scowl", "glaring in anger", "irritated and cross",
                "insulted and outraged"), .. Weak("slightly annoyed", "a little irritated"), .. Strong("furious", "enraged, shouting in rage")]),
            Emotion("fearful", [.. D("a frightened face", "afraid", "scared", "an anxious, worried look", "nervous and uneasy", "fear of a threat",
                "panicking"), .. Weak("slightly worried", "a little nervous"), .. Strong("terrified", "petrified with horror")]),
            Emotion("disgusted", [.. D("a disgusted face", "disgusted", "grossed out and repulsed", "a revolted look", "nauseated by a foul smell",
                "repelled by something nasty to eat", "contempt and distaste"), .. Weak("slightly disgusted", "mild distaste"),
                .. Strong("utterly revolted, about to be sick")]),
            Emotion("surprised", [.. D("a surprised face", "surprised", "astonished and amazed", "shocked", "startled by something unexpected",
                "in awe, wide-eyed with wonder"), .. Weak("slightly surprised", "mildly curious"), .. Strong("stunned, flabbergasted")]),
            Emotion("confused", [.. D("confused", "puzzled and bewildered", "a quizzical, questioning look")], ("surprised", 0.5), ("neutral", 0.5)),
            Emotion("contempt", [.. D("smug", "a smug, self-satisfied look")], ("happy", 0.6), ("neutral", 0.4)),
            Emotion("pain", [.. D("in pain", "hurting, wincing in pain")], ("sad", 0.5), ("disgusted", 0.5)),

            // FACS action units that ICT-FaceKit's blendshapes show.
            Move("AU1 inner brow raiser", au, Both(("browInnerUp", 1f)), BothOf("browDown"),
                [.. D("raising the inner corners of the eyebrows", "worried eyebrows slanting up in the middle")]),
            Move("AU2 outer brow raiser", au, Both(("browOuterUp", 1f)), BothOf("browDown"), [.. D("raising the outer ends of the eyebrows")]),
            Move("AU4 brow lowerer", au, Both(("browDown", 1f)), BothOf("browInnerUp", "browOuterUp"),
                [.. D("furrowed brows", "knitting the eyebrows together", "lowering the eyebrows")]),
            Move("AU5 upper lid raiser", au, Both(("eyeWide", 1f)), BothOf("eyeBlink", "eyeSquint"), [.. D("eyes wide open", "staring with wide eyes")]),
            Move("AU6 cheek raiser", au, Both(("cheekRaiser", 1f), ("cheekSquint", 0.6f)), [], [.. D("raising the cheeks", "crow's feet at the eyes")]),
            Move("AU7 lid tightener", au, Both(("eyeSquint", 1f)), BothOf("eyeWide"), [.. D("squinting", "narrowing the eyes")]),
            Move("AU9 nose wrinkler", au, Both(("noseSneer", 1f)), [], [.. D("wrinkling the nose", "a scrunched-up nose")]),
            Move("AU10 upper lip raiser", au, Both(("mouthUpperUp", 1f)), ["mouthRollUpper"], [.. D("raising the upper lip, baring the top teeth")]),
            Move("AU12 lip corner puller", au, Both(("mouthSmile", 1f)), BothOf("mouthFrown"), [.. D("pulling up the corners of the mouth")]),
            Move("AU14 dimpler", au, Both(("mouthDimple", 1f)), [], [.. D("dimples in the cheeks")]),
            Move("AU15 lip corner depressor", au, Both(("mouthFrown", 1f)), BothOf("mouthSmile"), [.. D("the corners of the mouth turned down")]),
            Move("AU17 chin raiser", au, Plain(("mouthShrugLower", 1f)), [], [.. D("raising the chin, pushing the lower lip up")]),
            Move("AU20 lip stretcher", au, Both(("mouthStretch", 1f)), ["mouthPucker", "mouthFunnel"], [.. D("stretching the lips sideways")]),
            Move("AU22 lip funneler", au, Plain(("mouthFunnel", 1f), ("jawOpen", 0.15f)), BothOf("mouthSmile", "mouthStretch"),
                [.. D("lips shaped into an O", "saying ooh with rounded lips")], group: "lips"),
            Move("AU24 lip presser", au, Both(("mouthPress", 1f)), ["jawOpen"], [.. D("pressing the lips together tightly", "tight, thin lips")], group: "lips"),
            Move("AU25 lips part", au, Both(("mouthLowerDown", 0.5f)).Concat(Plain(("jawOpen", 0.15f))).ToDictionary(), ["mouthClose"],
                [.. D("lips slightly parted")]),
            Move("AU26 jaw drop", au, Plain(("jawOpen", 0.8f)).Concat(Both(("mouthLowerDown", 0.3f))).ToDictionary(), ["mouthClose", "mouthPress_L", "mouthPress_R"],
                [.. D("the jaw dropped", "the mouth wide open", "the jaw hanging open"), .. Weak("the mouth a little open")], group: "jaw"),
            Move("AU28 lip suck", au, Plain(("mouthRollLower", 1f), ("mouthRollUpper", 1f)), [], [.. D("lips sucked in between the teeth", "lips rolled inwards")], group: "lips"),
            Move("AU29 jaw thrust", au, Plain(("jawForward", 1f)), [], [.. D("jutting the jaw forward")], group: "jaw"),
            Move("AU43 eyes closed", au, Both(("eyeBlink", 1f)), BothOf("eyeWide"),
                [.. D("both eyes closed", "closing the eyes", "eyes shut as if asleep"), .. Weak("eyes half closed, drowsy")], group: "eyelids"),

            // Movements people name.
            Move("wink left", move, Side("L", ("eyeBlink", 1f), ("cheekSquint", 0.3f)), ["eyeWide_L", "eyeBlink_R"],
                [.. D("winking the left eye", "closing only the left eye", "the left eye closed, the right open")], group: "eyelids", oneSided: true),
            Move("wink right", move, Side("R", ("eyeBlink", 1f), ("cheekSquint", 0.3f)), ["eyeWide_R", "eyeBlink_L"],
                [.. D("winking the right eye", "closing only the right eye", "the right eye closed, the left open")], group: "eyelids", oneSided: true),
            Move("raise left brow", move, Side("L", ("browOuterUp", 1f), ("browInnerUp", 0.5f)), ["browDown_L", "browOuterUp_R", "browInnerUp_R"],
                [.. D("raising the left eyebrow", "the left eyebrow arched up", "one eyebrow raised")], group: "brows", oneSided: true),
            Move("raise right brow", move, Side("R", ("browOuterUp", 1f), ("browInnerUp", 0.5f)), ["browDown_R", "browOuterUp_L", "browInnerUp_L"],
                [.. D("raising the right eyebrow", "the right eyebrow arched up")], group: "brows", oneSided: true),
            Move("raise brows", move, Both(("browOuterUp", 1f), ("browInnerUp", 0.8f)), BothOf("browDown"),
                [.. D("raising both eyebrows", "eyebrows raised high")], group: "brows"),
            Move("look left", move, Plain(("eyeLookOut_L", 0.9f), ("eyeLookIn_R", 0.9f)), [],
                [.. D("looking to the left", "the eyes turned to the left", "looking aside", "glancing sideways")], group: "gaze"),
            Move("look right", move, Plain(("eyeLookOut_R", 0.9f), ("eyeLookIn_L", 0.9f)), [],
                [.. D("looking to the right", "the eyes turned to the right")], group: "gaze"),
            Move("look up", move, Both(("eyeLookUp", 0.9f)), [], [.. D("looking up", "the eyes turned upwards", "gazing upward")], group: "gaze"),
            Move("look down", move, Both(("eyeLookDown", 0.9f)), [], [.. D("looking down", "the eyes cast downwards", "gazing downward")], group: "gaze"),
            Move("puff cheeks", move, Both(("cheekPuff", 1f)).Concat(Plain(("mouthClose", 0.3f))).ToDictionary(), ["jawOpen", "mouthSmile_L", "mouthSmile_R"],
                [.. D("puffing out the cheeks", "cheeks blown up full of air", "holding the breath with puffed cheeks")]),
            Move("kiss", move, Plain(("mouthPucker", 1f), ("mouthFunnel", 0.3f)), ["jawOpen", "mouthSmile_L", "mouthSmile_R", "mouthStretch_L", "mouthStretch_R"],
                [.. D("puckering the lips for a kiss", "kissing lips pushed forward", "sending a kiss with pursed lips")], group: "lips"),
            Move("pout", move, Plain(("mouthPucker", 0.5f), ("mouthShrugLower", 0.7f), ("mouthRollUpper", 0.2f)).Concat(Both(("mouthFrown", 0.3f))).ToDictionary(),
                ["jawOpen", "mouthSmile_L", "mouthSmile_R"], [.. D("pouting", "a sulky pout with the lower lip pushed out")], group: "lips"),
            Move("bite lip", move, Plain(("mouthRollLower", 0.9f), ("mouthShrugUpper", 0.3f)).Concat(Both(("mouthUpperUp", 0.2f))).ToDictionary(), [],
                [.. D("biting the lower lip", "teeth on the bottom lip")], group: "lips"),
            Move("sneer", move, Side("L", ("noseSneer", 1f), ("mouthUpperUp", 0.8f)), [], [.. D("sneering", "a sneer, the upper lip curled on one side")], oneSided: true),
            Move("grimace", move, Both(("mouthStretch", 0.9f), ("eyeSquint", 0.5f), ("browDown", 0.5f), ("mouthUpperUp", 0.4f), ("mouthLowerDown", 0.4f), ("noseSneer", 0.3f)),
                ["mouthPucker", "mouthFunnel"], [.. D("grimacing", "a grimace with clenched teeth and stretched lips")]),
            Move("smirk", move, Side("L", ("mouthSmile", 0.8f), ("mouthDimple", 0.4f), ("cheekSquint", 0.2f)), ["mouthSmile_R"],
                [.. D("smirking", "a smirk, a one-sided smile", "a crooked half smile")], oneSided: true),
            Move("yawn", move, Plain(("jawOpen", 1f), ("mouthFunnel", 0.3f)).Concat(Both(("eyeBlink", 0.6f), ("browInnerUp", 0.3f), ("mouthStretch", 0.3f))).ToDictionary(),
                ["mouthSmile_L", "mouthSmile_R"], [.. D("yawning", "a sleepy, tired yawn")]),
            Move("scream", move, Plain(("jawOpen", 0.9f)).Concat(Both(("mouthStretch", 0.6f), ("browInnerUp", 0.6f), ("eyeWide", 0.6f), ("mouthUpperUp", 0.4f))).ToDictionary(),
                ["mouthClose", "mouthPucker"], [.. D("screaming", "shouting loudly with the mouth open", "a loud yell")]),
            Move("mouth left", move, Plain(("mouthLeft", 1f)), [], [.. D("the mouth pulled to the left side")], group: "mouth side", oneSided: true),
            Move("mouth right", move, Plain(("mouthRight", 1f)), [], [.. D("the mouth pulled to the right side")], group: "mouth side", oneSided: true),
            Move("jaw left", move, Plain(("jawLeft", 1f)), [], [.. D("the jaw shifted to the left")], group: "jaw", oneSided: true),
            Move("jaw right", move, Plain(("jawRight", 1f)), [], [.. D("the jaw shifted to the right")], group: "jaw", oneSided: true),
        };
        return list;
    }
}
