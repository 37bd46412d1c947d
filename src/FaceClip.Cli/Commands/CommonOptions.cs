using System.CommandLine;
using FaceClip.Core.Losses;
using FaceClip.Core.Reconstruction;

namespace FaceClip.Cli.Commands;

/// <summary>The options several commands share, defined once: the critic, the fit's initialiser and the device.</summary>
internal static class CommonOptions
{
    /// <summary><c>--critic auto|clip|face</c> (default auto), read into a <see cref="CriticChoice"/>.</summary>
    public static Option<CriticChoice> Critic(string description = "auto (CLIP when installed, else the embedded critic), clip or face.")
    {
        var option = new Option<CriticChoice>("--critic")
        {
            Description = description,
            DefaultValueFactory = _ => CriticChoice.Auto,
            CustomParser = result => Critics.ParseChoice(result.Tokens.Single().Value),
        };
        option.AcceptOnlyFromAmong([.. Critics.ChoiceNames.All]);
        return option;
    }

    /// <summary><c>--initialiser auto|regressor|landmarks</c> (default auto).</summary>
    public static Option<FitInitialiser> Initialiser()
    {
        var option = new Option<FitInitialiser>("--initialiser")
        {
            Description = "auto (the trained regressor in models/ when installed), regressor or landmarks.",
            DefaultValueFactory = _ => FitInitialiser.Auto,
            CustomParser = result => FitInitialisers.Parse(result.Tokens.Single().Value),
        };
        option.AcceptOnlyFromAmong([.. FitInitialisers.Names.All]);
        return option;
    }

    /// <summary><c>--regressor FILE</c>: the benches' fit starts from these trained weights instead of the installed ones.</summary>
    public static Option<FileInfo?> Regressor() =>
        new("--regressor") { Description = "Start from this trained regressor instead of the installed one (implies --initialiser regressor unless given)." };

    /// <summary>The initialiser asked for: <paramref name="initialiser"/> when given, else regressor when
    /// <paramref name="regressor"/> names weights, else the default.</summary>
    public static FitInitialiser StartFrom(ParseResult parse, Option<FitInitialiser> initialiser, Option<FileInfo?> regressor) =>
        parse.GetResult(initialiser) is { Implicit: false } || parse.GetValue(regressor) is null ? parse.GetValue(initialiser) : FitInitialiser.Regressor;

    /// <summary>Loads the weights of <c>--regressor</c> into <paramref name="reconstructor"/> (nothing when not given).</summary>
    public static void LoadRegressor(Reconstructor reconstructor, FileInfo? regressor)
    {
        if (regressor is null)
        {
            return;
        }

        if (!regressor.Exists)
        {
            throw new CliUserException($"Cannot read '{regressor.FullName}': no such file.");
        }

        reconstructor.LoadRegressor(regressor.FullName);
    }

    /// <summary><c>--device auto|cpu|cuda|cuda:N</c> (default auto).</summary>
    public static Option<string> Device() => new("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
}
