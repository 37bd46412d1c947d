using System.CommandLine;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench fit-expression</c>: does the fit keep the photo's expression? A judge the fit never sees
/// (<see cref="ExpressionJudge"/>) reads each photo, the fit's render with the model's albedo, and the same render with
/// the expression weights at zero (<see cref="ExpressionFidelity"/>); photos: the sample photos and those of the
/// real-landmarks set, or <c>--images</c>.</summary>
public static class FitExpressionBenchCommand
{
    public static Command Build(CliContext context)
    {
        var images = new Option<DirectoryInfo[]>("--images") { Description = "Folders of photos (default: the sample photos and the real-landmarks set's).", AllowMultipleArgumentsPerToken = true };
        var weights = new Option<string[]>("--weight") { Description = "Override a fit option, e.g. --weight dense=1.", AllowMultipleArgumentsPerToken = true };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations of the full stage." };
        var pictures = new Option<DirectoryInfo?>("--pictures") { Description = "Write each photo's strip (photo crop, fit, fit without its expression) and a sheet of all here." };
        var command = new Command("fit-expression", "Does the fit keep the photo's expression: a second judge on the photo, the fit's albedo render and the render without the expression.")
        {
            images, weights, iterations, pictures,
        };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(images) ?? [], parse.GetValue(weights) ?? [], parse.GetValue(iterations), parse.GetValue(pictures), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo[] folders, string[] weights, int? iterations, DirectoryInfo? pictures, CancellationToken ct)
    {
        var photos = Photos(context, folders);
        if (photos.Count == 0)
        {
            throw new CliUserException("No photos to measure: pass --images DIR.");
        }

        var options = ReconstructCommand.BenchOptions(iterations, weights);

        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        using var judge = ExpressionJudge.Load(context.Store, reconstructor.Faces, compute.Device, reconstructor.Dense);
        var o = context.Output;
        o.WriteLine($"device {compute.Description}; judge: {ExpressionJudge.Name}; {photos.Count} photos");
        o.WriteLine($"{"photo",-34} {"photo reads",-18} {"fit reads",-18} {"no expression",-18} {"d(fit)",6} {"d(none)",7}");
        var results = new List<ExpressionFidelity>();
        var strips = new List<Image<Rgb24>>();
        try
        {
            foreach (var file in photos)
            {
                ct.ThrowIfCancellationRequested();
                var name = Path.GetRelativePath(Path.GetDirectoryName(Path.GetDirectoryName(file)) ?? ".", file);
                FaceImage image;
                try
                {
                    image = FaceImage.Load(file);
                }
                catch (FaceImageException ex)
                {
                    o.WriteLine($"{name,-34} not read: {ex.Message}");
                    continue;
                }

                using var photo = image;
                ReconstructionResult fit;
                try
                {
                    fit = await reconstructor.ReconstructAsync(photo, options, cancellationToken: ct);
                }
                catch (ReconstructionException ex)
                {
                    o.WriteLine($"{name,-34} not fitted: {ex.Message}");
                    continue;
                }

                using var fitted = fit;

                var fitPng = reconstructor.Render(fit, fit.ExpressionWeights);
                var neutralPng = reconstructor.Render(fit, new float[fit.ExpressionWeights.Length]);
                // Each picture is read where the fit put the face: the photo at the detected landmarks, the renders at the
                // model's own landmarks projected into the crop (face-api's detector misses many renders of the model).
                var inCrop = fit.Landmarks2d.Select(p => fit.Crop.ToCrop(p.X, p.Y)).Select(p => ((float)p.X, (float)p.Y)).ToList();
                var photoReading = judge.Judge(photo, fit.DetectedLandmarks2d);
                var result = new ExpressionFidelity(name, photoReading, judge.Judge(fitPng, inCrop), judge.Judge(neutralPng, inCrop));
                results.Add(result);
                o.WriteLine($"{name,-34} {Describe(result.Photo),-18} {Describe(result.Fit),-18} {Describe(result.Neutral),-18} {result.FitDistance,6:F2} {result.NeutralDistance,7:F2}");
                if (pictures is not null)
                {
                    strips.Add(Strip(photo, fit, fitPng, neutralPng));
                }
            }

            var s = ExpressionFidelity.Summarise(results);
            o.WriteLine($"fit reads as the photo: {s.Fit.Successes}/{s.Fit.Total}; without its expression: {s.Neutral.Successes}/{s.Neutral.Total}");
            o.WriteLine($"photos whose own expression is not neutral: fit {s.ExpressiveFit.Successes}/{s.ExpressiveFit.Total}, without its expression {s.ExpressiveNeutral.Successes}/{s.ExpressiveNeutral.Total}");
            o.WriteLine($"mean total-variation distance to the photo's reading: fit {s.FitDistance:F3}, without its expression {s.NeutralDistance:F3} (ratio {s.FitDistance / Math.Max(1e-9, s.NeutralDistance):F3})");
            if (pictures is not null && strips.Count > 0)
            {
                pictures.Create();
                using var sheet = Sheet(strips);
                var path = Path.Combine(pictures.FullName, "fit-expression.png");
                await sheet.SaveAsPngAsync(path, ct);
                o.WriteLine($"wrote {path} (each row: the photo's crop, the fit's albedo render, the render without its expression)");
            }
        }
        finally
        {
            strips.ForEach(i => i.Dispose());
        }

        return 0;
    }

    private static string Describe(FaceExpressions? e) => e is null ? "no face" : $"{e.Dominant} {e[e.Dominant]:F2}";

    private static List<string> Photos(CliContext context, DirectoryInfo[] folders)
    {
        if (folders.Length > 0)
        {
            return folders.SelectMany(f => f.Exists
                ? Directory.EnumerateFiles(f.FullName, "*", SearchOption.AllDirectories).Where(p => FaceCropDataset.ImageExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
                : throw new CliUserException($"Cannot read '{f.FullName}': no such folder.")).Order(StringComparer.Ordinal).ToList();
        }

        var photos = context.BenchPhotos(null).ToList();
        if (context.DefaultLandmarkSet is { } setPath)
        {
            var set = LandmarkSet.Load(setPath);
            photos.AddRange(set.Images.Select(set.PathOf));
        }

        return photos;
    }

    private const int Cell = 160;

    /// <summary>The photo's crop (the fit's framing), the fit's render and the render without its expression.</summary>
    private static Image<Rgb24> Strip(FaceImage photo, ReconstructionResult fit, byte[] fitPng, byte[] neutralPng)
    {
        var strip = new Image<Rgb24>(3 * Cell, Cell, new Rgb24(128, 128, 128));
        using (var full = Image.LoadPixelData<Rgb24>(photo.Rgb, photo.Width, photo.Height))
        {
            var c = fit.Crop;
            var left = (int)Math.Round(c.Left);
            var top = (int)Math.Round(c.Top);
            var side = (int)Math.Round(c.Side);
            var inside = Rectangle.Intersect(new Rectangle(left, top, side, side), new Rectangle(0, 0, photo.Width, photo.Height));
            if (inside.Width > 0 && inside.Height > 0)
            {
                using var crop = full.Clone(x => x.Crop(inside).Resize(inside.Width * Cell / side, inside.Height * Cell / side));
                strip.Mutate(x => x.DrawImage(crop, new Point((inside.X - left) * Cell / side, (inside.Y - top) * Cell / side), 1f));
            }
        }

        foreach (var (png, at) in new[] { (fitPng, 1), (neutralPng, 2) })
        {
            using var render = Image.Load<Rgb24>(png);
            render.Mutate(x => x.Resize(Cell, Cell));
            strip.Mutate(x => x.DrawImage(render, new Point(at * Cell, 0), 1f));
        }

        return strip;
    }

    /// <summary>The strips in two columns.</summary>
    private static Image<Rgb24> Sheet(IReadOnlyList<Image<Rgb24>> strips)
    {
        const int columns = 2;
        var rows = (strips.Count + columns - 1) / columns;
        var sheet = new Image<Rgb24>(columns * ((3 * Cell) + 8), rows * (Cell + 8), new Rgb24(255, 255, 255));
        for (var i = 0; i < strips.Count; i++)
        {
            var strip = strips[i];
            sheet.Mutate(x => x.DrawImage(strip, new Point((i % columns) * ((3 * Cell) + 8), (i / columns) * (Cell + 8)), 1f));
        }

        return sheet;
    }
}
