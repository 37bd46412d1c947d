using FaceClip.Core.Runtime;

namespace FaceClip.Core.Losses;

/// <summary>Names and resolution of critic choices: one place for <c>auto</c>, <c>clip</c> and <c>face</c>.</summary>
public static class Critics
{
    public static EnumNames<CriticChoice> ChoiceNames { get; } = new("critic", new Dictionary<CriticChoice, string>
    {
        [CriticChoice.Auto] = "auto",
        [CriticChoice.Clip] = "clip",
        [CriticChoice.Face] = "face",
    });

    public static EnumNames<CriticKind> KindNames { get; } = new("critic kind", new Dictionary<CriticKind, string>
    {
        [CriticKind.Clip] = "clip",
        [CriticKind.Face] = "face",
    });

    /// <summary>The lower-case name of a choice.</summary>
    public static string Name(this CriticChoice choice) => ChoiceNames.Name(choice);

    /// <summary>The lower-case name of a kind (<c>clip</c> or <c>face</c>, as reports and saved files write it).</summary>
    public static string Name(this CriticKind kind) => KindNames.Name(kind);

    /// <summary>Reads <c>auto</c>, <c>clip</c> or <c>face</c> (any case).</summary>
    public static CriticChoice ParseChoice(string? name) => ChoiceNames.Parse(name);

    /// <summary>Reads <c>auto</c>, <c>clip</c> or <c>face</c> (any case); false for anything else.</summary>
    public static bool TryParseChoice(string? name, out CriticChoice choice) => ChoiceNames.TryParse(name, out choice);

    /// <summary>The critic that runs for a choice: <see cref="CriticChoice.Auto"/> is CLIP when it is available.</summary>
    public static CriticKind Resolve(this CriticChoice choice, bool clipAvailable) => choice switch
    {
        CriticChoice.Clip => CriticKind.Clip,
        CriticChoice.Face => CriticKind.Face,
        _ => clipAvailable ? CriticKind.Clip : CriticKind.Face,
    };
}
