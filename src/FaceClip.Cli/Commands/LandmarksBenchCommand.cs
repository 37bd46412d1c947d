using System.CommandLine;
using System.Globalization;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Losses;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench landmarks</c>: the detector's and the fitted model's 68 landmarks against people's
/// annotations (<see cref="LandmarkBenchmark"/>), per source and overall, with the faces not found and why.</summary>
public static class LandmarksBenchCommand
{
    public static Command Build(CliContext context)
    {
        var set = new Option<string?>("--set") { Description = $"A folder holding {LandmarkSet.FileName}, or the file (default: shared/eval/real-landmarks beside the checkout)." };
        var sheet = new Option<FileInfo?>("--sheet") { Description = "Write a contact sheet PNG: people's landmarks green, the detector's blue, the fit's red; red frame: not found, orange: not fitted." };
        var noFit = new Option<bool>("--no-fit") { Description = "Measure the detector only (seconds instead of minutes)." };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations of the fit's full stage (default: the product's)." };
        var critic = CommonOptions.Critic();
        var only = new Option<string?>("--only") { Description = "Only images whose path contains this text." };
        var weights = new Option<string[]>("--weight") { Description = "Override a fit option, e.g. --weight reg=1e-4 (as faceclip reconstruct and bench synthetic take it)." };
        var initialiser = CommonOptions.Initialiser();
        var regressor = CommonOptions.Regressor();
        var command = new Command("landmarks", "NME of the detector's and the fit's 68 landmarks against people's annotations, per source and overall.")
        {
            set, sheet, noFit, iterations, critic, only, weights, initialiser, regressor,
        };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(set), parse.GetValue(sheet), parse.GetValue(noFit), parse.GetValue(iterations),
            parse.GetValue(critic), parse.GetValue(only), parse.GetValue(weights) ?? [], CommonOptions.StartFrom(parse, initialiser, regressor), parse.GetValue(regressor), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string? setPath, FileInfo? sheet, bool noFit, int? iterations, CriticChoice critic, string? only,
        string[] weights, FitInitialiser initialiser, FileInfo? regressor, CancellationToken ct)
    {
        if (noFit && weights.Length > 0)
        {
            throw new CliUserException("--weight changes the fit, and --no-fit measures the detector only: give one or the other.");
        }

        setPath ??= context.DefaultLandmarkSet
            ?? throw new CliUserException($"No landmark set given and none found (shared/eval/real-landmarks above {context.Root}); pass --set DIR.");
        var set = LandmarkSet.Load(setPath);
        if (only is not null)
        {
            set = set with { Images = set.Images.Where(i => i.File.Contains(only, StringComparison.Ordinal)).ToList() };
        }

        if (set.FaceCount == 0)
        {
            throw new CliUserException($"The set at {setPath} has no annotated faces{(only is null ? string.Empty : $" in images matching '{only}'")}.");
        }

        var fit = noFit ? null : ReconstructCommand.BenchOptions(iterations, weights, critic);
        if (fit is not null)
        {
            fit.Initialiser = initialiser;
        }

        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        CommonOptions.LoadRegressor(reconstructor, regressor);
        var o = context.Output;
        o.WriteLine($"device {compute.Description}; set {set.Folder}: {set.Images.Count} images, {set.FaceCount} faces; " +
                    (fit is null ? "detector only" : $"fit with the product's defaults{(weights.Length == 0 ? "" : $" but {string.Join(", ", weights)}")} (critic {critic.ToString().ToLowerInvariant()}, full stage {fit.Iterations} iterations, initialiser {initialiser.Name()}{(regressor is null ? "" : " " + regressor.Name)})"));
        o.WriteLine("NME: mean point distance over the annotation's outer-eye-corner distance (eyes) and over the square root of its landmark box area (box)");
        o.WriteLine($"{"face",-44} {"det eyes",9} {"det box",8} {"fit eyes",9} {"fit box",8} {"seconds",8}");
        var results = new List<LandmarkFaceResult>();
        await foreach (var r in new LandmarkBenchmark(reconstructor).RunAsync(set, fit, ct))
        {
            results.Add(r);
            var name = $"{r.Image}#{r.Face}";
            var line = $"{name,-44} {Percent(r.DetectorNmeEyes),9} {Percent(r.DetectorNmeBox),8} {Percent(r.FitNmeEyes),9} {Percent(r.FitNmeBox),8} {(r.Fitted ? r.Seconds.ToString("F1", CultureInfo.InvariantCulture) : "-"),8}";
            o.WriteLine(r.Problem is null ? line : $"{line}  {r.Problem}");
        }

        o.WriteLine();
        o.WriteLine("median / mean NME in %; fit closer: faces whose fitted landmarks are nearer the annotation than the detector's (box NME)");
        o.WriteLine($"{"source",-24} {"faces",5} {"found",5} {"fitted",6} {"det eyes",13} {"det box",13} {"fit eyes",13} {"fit box",13} {"det box|fitted",15} {"fit closer",10}");
        foreach (var g in LandmarkGroupSummary.BySource(results))
        {
            o.WriteLine($"{g.Name,-24} {g.Faces,5} {g.Found,5} {g.Fitted,6} {Pair(g.DetectorNmeEyes),13} {Pair(g.DetectorNmeBox),13} {Pair(g.FitNmeEyes),13} {Pair(g.FitNmeBox),13} " +
                        $"{Pair(g.FittedDetectorNmeBox),15} {(g.FitCloser.Total == 0 ? "-" : $"{g.FitCloser.Successes} of {g.FitCloser.Total}"),10}");
        }

        var missing = results.Where(r => !r.Found || (fit is not null && !r.Fitted)).ToList();
        o.WriteLine();
        o.WriteLine($"not found: {results.Count(r => !r.Found)} of {results.Count}" + (fit is null ? string.Empty : $"; found but not fitted: {results.Count(r => r.Found && !r.Fitted)}"));
        foreach (var r in missing)
        {
            o.WriteLine($"  {r.Image}#{r.Face} ({LandmarkError.BoundingBox(r.Annotation.Landmarks).Width:F0} px wide): {r.Problem}");
        }

        if (sheet is not null)
        {
            LandmarkSheet.Write(set, results, sheet.FullName);
            o.WriteLine($"wrote {sheet.FullName} (people's landmarks green, the detector's blue, the fit's red; red frame: not found, orange: found, not fitted)");
        }

        return 0;
    }

    private static string Percent(double? v) => v is { } x ? (100 * x).ToString("F2", CultureInfo.InvariantCulture) : "-";

    private static string Pair(SampleSummary? s) => s is null ? "-" : $"{100 * s.Median:F2} / {100 * s.Mean:F2}";
}
