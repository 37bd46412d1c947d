using System.CommandLine;
using FaceClip.Cli.Commands;

namespace FaceClip.Cli;

/// <summary>The <c>faceclip</c> command line: a thin shell over FaceClip.Core.</summary>
public static class FaceClipCommand
{
    /// <summary>Exit code for bad input (no face, unreadable file, missing asset, bad arguments).</summary>
    public const int UserError = 2;

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("FaceClip: detailed 3D faces from one photo, and expressions changed by a sentence.");
        root.Subcommands.Add(ModelsCommand.Build(context));
        root.Subcommands.Add(BenchCommand.Build(context));
        root.Subcommands.Add(ReconstructCommand.Build(context));
        root.Subcommands.Add(ClipCommand.Build(context));
        root.Subcommands.Add(FacesCommand.Build(context));
        root.Subcommands.Add(TransferCommand.Build(context));
        root.Subcommands.Add(PromptsCommand.Build(context));
        root.Subcommands.Add(SynthCommand.Build(context));
        root.Subcommands.Add(TrainCommand.Build(context));
        root.Subcommands.Add(TrainMapperCommand.Build(context));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(output, error);
        var root = Build(context);
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(config, cancellationToken);
        }
        catch (CliUserException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return UserError;
        }
        catch (Exception ex) when (ex is Core.Runtime.ModelAssetException or KeyNotFoundException or FileNotFoundException or InvalidDataException)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return UserError;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("cancelled");
            return 130;
        }
    }
}
