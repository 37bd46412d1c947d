using System.CommandLine;
using FaceClip.Core.Expression;
using FaceClip.Core.Expression.Prompts;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip prompts</c>: how the embedded critic reads prompts (without running a transfer), and with
/// <c>--rank</c> the concepts nearest each one.</summary>
public static class PromptsCommand
{
    public static Command Build(CliContext context)
    {
        var text = new Argument<string[]>("prompt") { Description = "One or more prompts, e.g. \"wink with your right eye\".", Arity = ArgumentArity.OneOrMore };
        var rank = new Option<int>("--rank") { Description = "Also list this many nearest concepts per prompt, with their cosine similarity.", DefaultValueFactory = _ => 0 };
        var command = new Command("prompts", "Read prompts as the embedded expression critic will: emotions, action units and movements, matched by a sentence-embedding model.")
        {
            text, rank,
        };
        command.SetAction(parse => Run(context, parse.GetValue(text)!, parse.GetValue(rank)));
        return command;
    }

    private static int Run(CliContext context, string[] prompts, int rank)
    {
        var reader = PromptReader.Shared;
        var unreadable = 0;
        foreach (var prompt in prompts)
        {
            if (reader.TryRead(prompt, out var error) is { } target)
            {
                context.Output.WriteLine($"\"{prompt}\": {target.Describe()}");
                foreach (var line in target.Understood)
                {
                    context.Output.WriteLine($"    {line}");
                }

                foreach (var left in target.Ignored)
                {
                    context.Output.WriteLine($"    \"{left}\" → nothing (left out)");
                }

                if (target.Actions.Count > 0)
                {
                    context.Output.WriteLine($"    blendshapes: {string.Join(", ", target.Actions.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {a.Value:0.00}"))}");
                }
            }
            else
            {
                unreadable++;
                context.Output.WriteLine($"\"{prompt}\": {error}");
            }

            if (rank > 0)
            {
                context.Output.WriteLine($"    nearest: {string.Join(", ", reader.Rank(prompt).Take(rank).Select(r => $"{r.Concept.Name} {r.Similarity:0.00}"))}");
            }
        }

        context.Output.WriteLine($"read by {reader.ModelName}");
        return unreadable == 0 ? 0 : 1;
    }
}
