using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench reconstruct</c>: fits every face of every photo in a folder (default: face-api's six
/// sample photos) and prints landmark NME, photometric error, descriptor distance, iterations and seconds.</summary>
public static class ReconstructBenchCommand
{
    public static Command Build(CliContext context)
    {
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of photos (default: the face-api sample photos)." };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations of the full stage." };
        var critic = CommonOptions.Critic("auto, clip or face.");
        var pictures = new Option<DirectoryInfo?>("--pictures") { Description = "Write each face's overlay (cropped around the face) here." };
        var weights = new Option<string[]>("--weight") { Description = "Override a loss weight, e.g. --weight landmarks=0.004." };
        var detail = new Option<bool>("--detail") { Description = "Run the detail pass too, and report its photometric term before and after and the displacement." };
        var command = new Command("reconstruct", "Reconstruction quality and time on a folder of photos, every face.") { images, iterations, critic, pictures, weights, detail };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(images), parse.GetValue(iterations), parse.GetValue(critic), parse.GetValue(pictures),
            parse.GetValue(weights) ?? [], parse.GetValue(detail), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo? folder, int? iterations, CriticChoice critic, DirectoryInfo? pictures, string[] weights,
        bool detail, CancellationToken ct)
    {
        var files = context.BenchPhotos(folder);
        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        var rows = new List<(string Name, ReconstructionQuality Q, int Iterations, double Seconds)>();
        var detailRows = new List<double>();
        var bandRows = new List<double>();
        context.Output.WriteLine($"device {compute.Description}");
        context.Output.WriteLine($"{"face",-16} {"NME",7} {"photo",7} {"desc",7} {"iters",6} {"seconds",8}");
        var thumbnails = new List<Image<Rgb24>>();
        foreach (var file in files)
        {
            int count;
            using (var image = FaceImage.Load(file))
            {
                count = reconstructor.Faces.Analyse(image).Faces.Count;
            }

            for (var f = 0; f < count; f++)
            {
                var options = new ReconstructionOptions { FaceIndex = f, Critic = critic };
                if (iterations is { } n)
                {
                    options.Iterations = n;
                }

                foreach (var w in weights)
                {
                    ReconstructCommand.ApplyWeight(options, w);
                }

                options.DetailPass = detail;

                var clock = Stopwatch.StartNew();
                ReconstructionResult result;
                try
                {
                    result = await reconstructor.ReconstructAsync(file, options, cancellationToken: ct);
                }
                catch (ReconstructionException ex)
                {
                    context.Output.WriteLine($"{Path.GetFileNameWithoutExtension(file)}#{f,-8} skipped: {ex.Message}");
                    continue;
                }

                using (result)
                {
                    var seconds = clock.Elapsed.TotalSeconds;
                    var name = $"{Path.GetFileNameWithoutExtension(file)}#{f}";
                    var total = reconstructor.ScheduleOf(options).Total;
                    rows.Add((name, result.Quality, total, seconds));
                    var q = result.Quality;
                    var line = $"{name,-16} {q.LandmarkNme,7:F4} {q.PhotometricError,7:F4} {q.DescriptorDistance,7:F3} {total,6} {seconds,8:F1}";
                    if (result.Details is { } d)
                    {
                        // The detail pass's own photometric term, before its first step and after its last.
                        var pass = result.LossHistory.Where(h => h.Stage == OptimisationStage.Detail).ToList();
                        var (before, after) = (pass[0].Losses["photo"], pass[^1].Losses["photo"]);
                        var change = RelativeChange.Of(before, after);
                        var band = RelativeChange.Of(d.BandErrorWithout, d.BandErrorWith);
                        detailRows.Add(change);
                        bandRows.Add(band);
                        line += $"   detail term {before:F4} -> {after:F4} ({100 * change:+0.0;-0.0}%), fine band {d.BandErrorWithout:F4} -> {d.BandErrorWith:F4} ({100 * band:+0.0;-0.0}%), " +
                            $"mean |D| {d.MeanDisplacement * 10:F3} mm, max {d.MaxDisplacement * 10:F2} mm, {result.Timings.GetValueOrDefault("detail"):F1} s";
                    }

                    context.Output.WriteLine(line);
                    if (pictures is not null)
                    {
                        thumbnails.Add(FaceThumbnail(result));
                    }
                }
            }
        }

        if (rows.Count == 0)
        {
            context.Output.WriteLine("no faces");
            return 1;
        }

        context.Output.WriteLine($"{"median",-16} {Statistics.Median(rows.Select(r => r.Q.LandmarkNme)),7:F4} {Statistics.Median(rows.Select(r => r.Q.PhotometricError)),7:F4} " +
                                 $"{Statistics.Median(rows.Select(r => r.Q.DescriptorDistance)),7:F3} {Statistics.Median(rows.Select(r => (double)r.Iterations)),6:F0} {Statistics.Median(rows.Select(r => r.Seconds)),8:F1}");
        var samePerson = SuccessRate.Count(rows, r => DescriptorMatch.IsSamePerson(r.Q.DescriptorDistance));
        context.Output.WriteLine($"faces {rows.Count}; descriptor distance < {DescriptorMatch.SamePersonDistance.ToString(CultureInfo.InvariantCulture)} on {samePerson.Successes} of {samePerson.Total}");
        if (detailRows.Count > 0)
        {
            var lower = SuccessRate.Count(detailRows, x => x < 0);
            var bandLower = SuccessRate.Count(bandRows, x => x < 0);
            context.Output.WriteLine($"detail pass: its own term {100 * Statistics.Median(detailRows):+0.0;-0.0}% (median), lower on {lower.Successes} of {lower.Total} faces; " +
                $"fine-band photometric error (DoG) {100 * Statistics.Median(bandRows):+0.0;-0.0}% (median), lower on {bandLower.Successes} of {bandLower.Total}");
        }
        if (pictures is not null && thumbnails.Count > 0)
        {
            Directory.CreateDirectory(pictures.FullName);
            var path = Path.Combine(pictures.FullName, "reconstruction-overlays.png");
            Core.Rendering.ImageFiles.SaveGrid(thumbnails, Math.Min(5, thumbnails.Count), path);
            context.Output.WriteLine($"wrote {path}");
            thumbnails.ForEach(t => t.Dispose());
        }

        return 0;
    }

    /// <summary>The overlay cropped to the fitted face and scaled to 256 pixels, beside the photo crop.</summary>
    private static Image<Rgb24> FaceThumbnail(ReconstructionResult result)
    {
        using var overlay = Image.Load<Rgb24>(result.OverlayPng);
        var factor = overlay.Width / (double)result.PhotoWidth;
        var c = result.Crop;
        var box = new Rectangle((int)(c.Left * factor), (int)(c.Top * factor), (int)(c.Side * factor), (int)(c.Side * factor));
        box.Intersect(new Rectangle(0, 0, overlay.Width, overlay.Height));
        var thumbnail = overlay.Clone(x => x.Crop(box).Resize(256, 256));
        var scale = 256.0 / (c.Side * factor);
        void Dot((float X, float Y) p, Rgb24 colour)
        {
            var x0 = (int)Math.Round(((p.X * factor) - box.X) * scale);
            var y0 = (int)Math.Round(((p.Y * factor) - box.Y) * scale);
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    if (x0 + dx >= 0 && y0 + dy >= 0 && x0 + dx < 256 && y0 + dy < 256)
                    {
                        thumbnail[x0 + dx, y0 + dy] = colour;
                    }
                }
            }
        }

        // Detected landmarks in green, the fitted model's in red.
        foreach (var p in result.DetectedLandmarks2d)
        {
            Dot(p, new Rgb24(40, 220, 60));
        }

        foreach (var p in result.Landmarks2d)
        {
            Dot(p, new Rgb24(230, 40, 40));
        }

        return thumbnail;
    }
}
