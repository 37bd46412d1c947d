using FaceClip.Core.Expression;
using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;

namespace FaceClip.Web.Inputs;

/// <summary>What the app will do with one expression prompt, as the studio shows it beside the prompt while it is
/// typed and on its chip: the target it reads, or why it cannot read it.</summary>
public sealed record PromptReading(string Prompt, bool Readable, string Summary)
{
    /// <summary>Reads a prompt the way the job will: CLIP takes any text; the embedded expression critic reads it by meaning
    /// (PromptReader), and a prompt it cannot read is refused before anything runs.</summary>
    public static PromptReading Of(string prompt, CriticChoice critic, bool clipInstalled, int maxLength)
    {
        var text = prompt.Trim();
        if (text.Length == 0)
        {
            return new PromptReading(text, false, "Type an expression, e.g. \"a big smile\".");
        }

        if (text.Length > maxLength)
        {
            return new PromptReading(text, false, $"Too long: {text.Length} characters; at most {maxLength}.");
        }

        if (critic == CriticChoice.Clip && !clipInstalled)
        {
            return new PromptReading(text, false, "The CLIP critic is not installed; choose the critic auto or face.");
        }

        if (critic.Resolve(clipInstalled) == CriticKind.Clip)
        {
            return new PromptReading(text, true, "CLIP reads it as written.");
        }

        if (PromptReader.Shared.TryReadWithRefusal(text, out var refusal) is not { } target)
        {
            var near = (refusal?.Nearest ?? []).Take(2).Select(n => $"\"{n}\"");
            return new PromptReading(text, false, $"Names no expression or movement it knows; closest: {string.Join(", ", near)}. Try \"a big smile\" or \"wink\".");
        }

        var ignored = target.Ignored.Count > 0 ? $"; leaves out \"{string.Join("\", \"", target.Ignored)}\"" : "";
        return new PromptReading(text, true, $"Reads as {target.Describe()}{ignored}.");
    }
}
