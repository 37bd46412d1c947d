using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SkiaSharp;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench synthetic</c>: the fit measured in 3D on synthetic faces with known geometry,
/// photographed by the reference renderer, against the mean face and the landmark-only stages of the same fit.</summary>
public static class SyntheticBenchCommand
{
    public static Command Build(CliContext context)
    {
        var faces = new Option<int>("--faces") { Description = "How many faces.", DefaultValueFactory = _ => 24 };
        var seed = new Option<int>("--seed") { Description = "Seed of the faces (the same seed, the same faces).", DefaultValueFactory = _ => 1 };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations of the full stage." };
        var weights = new Option<string[]>("--weight") { Description = "Override a fit option, e.g. --weight landmarks=0.004." };
        var backgrounds = new Option<DirectoryInfo?>("--backgrounds") { Description = "Photos to crop blurred backgrounds from (default: the sample photos)." };
        var pictures = new Option<DirectoryInfo?>("--pictures") { Description = "Write each photo, a sheet of them and a sheet of the fits' overlays here." };
        var json = new Option<FileInfo?>("--json") { Description = "Write every figure per face as JSON." };
        var only = new Option<int[]>("--only") { Description = "Fit only these face indices (of the --faces drawn)." };
        var initialiser = CommonOptions.Initialiser();
        var regressor = CommonOptions.Regressor();
        var command = new Command("synthetic", "3D error of the fit on synthetic faces with known geometry.") { faces, seed, iterations, weights, backgrounds, pictures, json, only, initialiser, regressor,
        };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(faces), parse.GetValue(seed), parse.GetValue(iterations), parse.GetValue(weights) ?? [],
            parse.GetValue(backgrounds), parse.GetValue(pictures), parse.GetValue(json), parse.GetValue(only) ?? [],
            CommonOptions.StartFrom(parse, initialiser, regressor), parse.GetValue(regressor), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, int count, int seed, int? iterations, string[] weights, DirectoryInfo? backgroundFolder,
        DirectoryInfo? pictures, FileInfo? json, int[] only, FitInitialiser initialiser, FileInfo? regressor, CancellationToken ct)
    {
        if (count < 1)
        {
            throw new CliUserException("--faces must be at least 1.");
        }

        ReconstructionOptions Options()
        {
            var options = ReconstructCommand.BenchOptions(iterations, weights);
            options.Initialiser = initialiser;
            return options;
        }

        Options().Validate();
        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        CommonOptions.LoadRegressor(reconstructor, regressor);
        var backgrounds = context.BenchPhotos(backgroundFolder).Select(SKBitmap.Decode).Where(b => b is not null).ToList();
        try
        {
            var bench = new SyntheticBenchmark(reconstructor, backgrounds);
            context.Output.WriteLine($"device {compute.Description}; {count} faces, seed {seed}; initialiser {initialiser.Name()}{(regressor is null ? "" : " " + regressor.Name)}; errors in mm over {SyntheticBenchmark.EvaluationVertices(reconstructor.Model.Data).Length} face vertices after similarity alignment");
            context.Output.WriteLine($"{"face",-5} {"expression",-30} {"yaw",5} {"pitch",5} {"fit",6} {"mean",6} {"lmk",6} {"expr",6} {"idcorr",6} {"NME",6} {"detNME",6} {"s",6}");
            var photographed = bench.Faces(count, seed).Where(f => only.Length == 0 || only.Contains(f.Index)).Select(f => (f, bench.Photograph(f))).ToList();
            if (pictures is not null)
            {
                Directory.CreateDirectory(pictures.FullName);
                var sheet = Path.Combine(pictures.FullName, "synthetic-photos.png");
                var thumbnails = photographed.Select(p => Thumbnail(p.Item2.Jpeg)).ToList();
                Core.Rendering.ImageFiles.SaveGrid(thumbnails, Math.Min(6, thumbnails.Count), sheet);
                thumbnails.ForEach(t => t.Dispose());
                context.Output.WriteLine($"wrote {sheet}");
            }

            var rows = new List<SyntheticFaceResult>();
            await foreach (var r in bench.RunAsync(photographed, Options, ct))
            {
                rows.Add(r);
                var f = r.Face;
                var label = f.ExpressionLabel.Length > 30 ? f.ExpressionLabel[..30] : f.ExpressionLabel;
                context.Output.WriteLine(r.Fitted
                    ? $"{f.Index,-5} {label,-30} {f.Yaw,5:F0} {f.Pitch,5:F0} {r.FitMm,6:F2} {r.MeanFaceMm,6:F2} {r.LandmarkStagesMm,6:F2} {r.ExpressionMm,6:F2} {r.IdentityCorrelation,6:F2} {r.Nme68,6:F3} {r.DetectorNme68,6:F3} {r.Seconds,6:F1}"
                    : $"{f.Index,-5} {label,-30} {f.Yaw,5:F0} {f.Pitch,5:F0} not fitted: {r.Failure}");
                if (pictures is not null)
                {
                    Directory.CreateDirectory(pictures.FullName);
                    await File.WriteAllBytesAsync(Path.Combine(pictures.FullName, $"face-{f.Index:D2}.jpg"), r.Photo.Jpeg, ct);
                }
            }

            var fitted = rows.Where(r => r.Fitted).ToList();
            context.Output.WriteLine($"fitted {fitted.Count} of {rows.Count}");
            if (fitted.Count == 0)
            {
                return 1;
            }

            static string Figures(IReadOnlyList<SyntheticFaceResult> set, Func<IEnumerable<double>, double> of) =>
                $"{of(set.Select(r => r.FitMm)),6:F2} {of(set.Select(r => r.MeanFaceMm)),6:F2} {of(set.Select(r => r.LandmarkStagesMm)),6:F2} {of(set.Select(r => r.ExpressionMm)),6:F2} " +
                $"{of(set.Select(r => r.IdentityCorrelation)),6:F2} {of(set.Select(r => r.Nme68)),6:F3} {of(set.Select(r => r.DetectorNme68)),6:F3} {of(set.Select(r => r.Seconds)),6:F1}";
            context.Output.WriteLine($"{"mean",-48} {Figures(fitted, Statistics.Mean)}");
            context.Output.WriteLine($"{"median",-48} {Figures(fitted, Statistics.Median)}");
            foreach (var kind in Enum.GetValues<SyntheticExpression>())
            {
                var subset = fitted.Where(r => r.Face.ExpressionKind == kind).ToList();
                if (subset.Count > 0)
                {
                    context.Output.WriteLine($"{"mean, expression " + kind.ToString().ToLowerInvariant(),-48} {Figures(subset, Statistics.Mean)}");
                }
            }

            var meanFit = Statistics.Mean(fitted.Select(r => r.FitMm));
            var better = SuccessRate.Count(fitted, r => r.FitMm < r.MeanFaceMm);
            var overLandmarks = SuccessRate.Count(fitted, r => r.FitMm < r.LandmarkStagesMm);
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fit / mean face {meanFit / Statistics.Mean(fitted.Select(r => r.MeanFaceMm)):F3} (better on {better.Successes} of {better.Total}); " +
                $"fit / landmark stages {meanFit / Statistics.Mean(fitted.Select(r => r.LandmarkStagesMm)):F3} (better on {overLandmarks.Successes} of {overLandmarks.Total})"));
            if (pictures is not null)
            {
                WriteSheets(context, rows, pictures.FullName);
            }

            if (json is not null)
            {
                await File.WriteAllTextAsync(json.FullName, JsonSerializer.Serialize(rows.Select(r => new
                {
                    r.Face.Index, Expression = r.Face.ExpressionKind.ToString().ToLowerInvariant(), r.Face.ExpressionLabel, r.Face.Yaw, r.Face.Pitch, r.Face.Roll,
                    r.Failure, r.FitMm, r.MeanFaceMm, r.LandmarkStagesMm, r.ExpressionMm, r.IdentityCorrelation, r.Nme68, r.DetectorNme68, r.Seconds,
                }).ToList(), new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }), ct);
                context.Output.WriteLine($"wrote {json.FullName}");
            }

            return 0;
        }
        finally
        {
            backgrounds.ForEach(b => b.Dispose());
        }
    }

    private static void WriteSheets(CliContext context, IReadOnlyList<SyntheticFaceResult> rows, string folder)
    {
        var overlays = rows.Select(r => r.OverlayPng is null ? new Image<Rgb24>(256, 256) : Thumbnail(r.OverlayPng)).ToList();
        var overlaySheet = Path.Combine(folder, "synthetic-fits.png");
        Core.Rendering.ImageFiles.SaveGrid(overlays, Math.Min(6, overlays.Count), overlaySheet);
        overlays.ForEach(p => p.Dispose());
        context.Output.WriteLine($"wrote {overlaySheet}");
    }

    private static Image<Rgb24> Thumbnail(byte[] encoded)
    {
        var image = Image.Load<Rgb24>(encoded);
        image.Mutate(x => x.Resize(256, 256));
        return image;
    }
}
