namespace FaceClip.Core.Losses;

/// <summary>Names and resolution of critic choices: one place for <c>auto</c>, <c>clip</c> and <c>face</c>.</summary>
public static class Critics
{
    /// <summary>The names a user writes: <c>auto</c>, <c>clip</c>, <c>face</c>.</summary>
    public static IReadOnlyList<string> ChoiceNames { get; } = ["auto", "clip", "face"];

    /// <summary>The lower-case name of a choice.</summary>
    public static string Name(this CriticChoice choice) => choice switch
    {
        CriticChoice.Auto => "auto",
        CriticChoice.Clip => "clip",
        CriticChoice.Face => "face",
        _ => throw new ArgumentOutOfRangeException(nameof(choice)),
    };

    /// <summary>The lower-case name of a kind (<c>clip</c> or <c>face</c>, as reports and saved files write it).</summary>
    public static string Name(this CriticKind kind) => kind switch
    {
        CriticKind.Clip => "clip",
        CriticKind.Face => "face",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Reads <c>auto</c>, <c>clip</c> or <c>face</c> (any case).</summary>
    public static CriticChoice ParseChoice(string? name) => TryParseChoice(name, out var choice)
        ? choice
        : throw new ArgumentException($"Unknown critic '{name}': use auto, clip or face.", nameof(name));

    /// <summary>Reads <c>auto</c>, <c>clip</c> or <c>face</c> (any case); false for anything else.</summary>
    public static bool TryParseChoice(string? name, out CriticChoice choice)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "auto": choice = CriticChoice.Auto; return true;
            case "clip": choice = CriticChoice.Clip; return true;
            case "face": choice = CriticChoice.Face; return true;
            default: choice = CriticChoice.Auto; return false;
        }
    }

    /// <summary>Reads <c>clip</c> or <c>face</c> (a saved kind).</summary>
    public static CriticKind ParseKind(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "clip" => CriticKind.Clip,
        "face" => CriticKind.Face,
        _ => throw new FormatException($"Unknown critic kind '{name}': expected clip or face."),
    };

    /// <summary>The critic that runs for a choice: <see cref="CriticChoice.Auto"/> is CLIP when it is available.</summary>
    public static CriticKind Resolve(this CriticChoice choice, bool clipAvailable) => choice switch
    {
        CriticChoice.Clip => CriticKind.Clip,
        CriticChoice.Face => CriticKind.Face,
        _ => clipAvailable ? CriticKind.Clip : CriticKind.Face,
    };
}
