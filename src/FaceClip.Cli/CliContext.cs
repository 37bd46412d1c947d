using FaceClip.Core.Runtime;
using Spectre.Console;

namespace FaceClip.Cli;

/// <summary>What every command needs: where to write, the product root and the model store.</summary>
public sealed class CliContext(TextWriter output, TextWriter error)
{
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;

    /// <summary>A Spectre console over <see cref="Output"/>, so tests can read what a person would see.</summary>
    public IAnsiConsole Console { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = ReferenceEquals(output, System.Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = ReferenceEquals(output, System.Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = ReferenceEquals(output, System.Console.Out) ? InteractionSupport.Detect : InteractionSupport.No,
    });

    public string Root => _root ??= ProductPaths.FindRoot();

    private string? _root;
    private ModelStore? _store;

    public ModelStore Store => _store ??= ModelStore.Open(Root);
}
