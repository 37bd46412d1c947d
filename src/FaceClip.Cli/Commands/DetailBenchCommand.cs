using System.CommandLine;
using System.Globalization;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SkiaSharp;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench detail</c>: the detail pass measured on synthetic faces with known wrinkles (and on
/// smooth ones), against the true displacement and the true detailed surface's normals.</summary>
public static class DetailBenchCommand
{
    public static Command Build(CliContext context)
    {
        var faces = new Option<int>("--faces") { Description = "How many faces (two in three wrinkled, one in three smooth).", DefaultValueFactory = _ => 9 };
        var seed = new Option<int>("--seed") { Description = "Seed of the faces.", DefaultValueFactory = _ => 1 };
        var weights = new Option<string[]>("--weight") { Description = "Override a fit option, e.g. --weight detail-smoothness=200." };
        var iterations = new Option<int?>("--detail-iterations") { Description = "Iterations of the detail pass." };
        var resolution = new Option<int?>("--resolution") { Description = "Side of the displacement map." };
        var pictures = new Option<DirectoryInfo?>("--pictures") { Description = "Write a sheet per face: photo, render, true and recovered map." };
        var command = new Command("detail", "The detail pass on synthetic faces with known wrinkles: displacement correlation, normal error, smooth faces.")
        {
            faces, seed, weights, iterations, resolution, pictures,
        };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(faces), parse.GetValue(seed), parse.GetValue(weights) ?? [], parse.GetValue(iterations),
            parse.GetValue(resolution), parse.GetValue(pictures), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, int count, int seed, string[] weights, int? iterations, int? resolution, DirectoryInfo? pictures,
        CancellationToken ct)
    {
        if (count < 1)
        {
            throw new CliUserException("--faces must be at least 1.");
        }

        ReconstructionOptions Options()
        {
            var o = new ReconstructionOptions { DetailPass = true };
            if (iterations is { } n)
            {
                o.DetailIterations = n;
            }

            if (resolution is { } r)
            {
                o.DetailResolution = r;
            }

            foreach (var w in weights)
            {
                ReconstructCommand.ApplyWeight(o, w);
            }

            return o;
        }

        var options = Options();
        options.Validate();
        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        var backgrounds = context.BenchPhotos(null).Select(SKBitmap.Decode).Where(b => b is not null).ToList();
        try
        {
            var bench = new DetailBenchmark(reconstructor, new SyntheticBenchmark(reconstructor, backgrounds));
            context.Output.WriteLine($"device {compute.Description}; {count} faces, seed {seed}; map {options.DetailResolution}², {options.DetailIterations} iterations; " +
                "normal errors in degrees, displacement RMS in mm, over the skin texels facing the camera");
            context.Output.WriteLine("n0/n1: normal error over the skin without/with the map; w0/w1: on the wrinkles alone; band: fine-band photometric error");
            context.Output.WriteLine($"{"face",-5} {"wrinkles",-44} {"yaw",4} {"corr",6} {"n0",6} {"n1",6} {"n1/n0",6} {"w0",6} {"w1",6} {"rms",6} {"true",6} {"band0",7} {"band1",7} {"s",5}");
            var rows = new List<DetailFaceResult>();
            foreach (var (face, map, wrinkles) in bench.Faces(count, seed, options.DetailResolution))
            {
                ct.ThrowIfCancellationRequested();
                var r = await bench.MeasureAsync(face, map, wrinkles, Options(), ct);
                rows.Add(r);
                var label = wrinkles.Length > 44 ? wrinkles[..44] : wrinkles;
                var m = r.Measure;
                context.Output.WriteLine(r.Fitted && m is not null
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"{face.Index,-5} {label,-44} {face.Yaw,4:F0} {m.Correlation,6:F2} {m.NormalErrorWithout,6:F2} {m.NormalErrorWith,6:F2} {m.NormalErrorWith / m.NormalErrorWithout,6:F3} {m.WrinkleNormalErrorWithout,6:F2} {m.WrinkleNormalErrorWith,6:F2} {m.RecoveredRmsMm,6:F3} {m.TrueRmsMm,6:F3} {r.BandErrorWithout,7:F4} {r.BandErrorWith,7:F4} {r.DetailSeconds,5:F1}")
                    : $"{face.Index,-5} {label,-44} {face.Yaw,4:F0} not fitted: {r.Failure}");
                if (pictures is not null && r.Fitted)
                {
                    Directory.CreateDirectory(pictures.FullName);
                    var sheet = Path.Combine(pictures.FullName, $"detail-{face.Index:D2}.png");
                    var cells = new List<Image<Rgb24>> { Thumbnail(r.Photo.Jpeg), Thumbnail(r.RenderPng!), MapImage(map), MapImage(r.RecoveredMap!) };
                    Core.Rendering.ImageFiles.SaveGrid(cells, 4, sheet);
                    await File.WriteAllBytesAsync(Path.Combine(pictures.FullName, $"detail-{face.Index:D2}-true.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(map.AsSpan()).ToArray(), ct);
                    await File.WriteAllBytesAsync(Path.Combine(pictures.FullName, $"detail-{face.Index:D2}-recovered.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.RecoveredMap!.AsSpan()).ToArray(), ct);
                    cells.ForEach(c => c.Dispose());
                }
            }

            var fitted = rows.Where(r => r.Fitted).ToList();
            var wrinkled = fitted.Where(r => !r.Smooth).ToList();
            var smooth = fitted.Where(r => r.Smooth).ToList();
            context.Output.WriteLine($"fitted {fitted.Count} of {rows.Count} ({wrinkled.Count} wrinkled, {smooth.Count} smooth)");
            if (wrinkled.Count > 0)
            {
                var n0 = Statistics.Mean(wrinkled.Select(r => r.Measure!.NormalErrorWithout));
                var n1 = Statistics.Mean(wrinkled.Select(r => r.Measure!.NormalErrorWith));
                var w0 = Statistics.Mean(wrinkled.Select(r => r.Measure!.WrinkleNormalErrorWithout));
                var w1 = Statistics.Mean(wrinkled.Select(r => r.Measure!.WrinkleNormalErrorWith));
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrinkled: displacement correlation mean {Statistics.Mean(wrinkled.Select(r => r.Measure!.Correlation)):F3} (median {Statistics.Median(wrinkled.Select(r => r.Measure!.Correlation)):F3}); " +
                    $"normal error on the skin {n0:F2}° without the map, {n1:F2}° with it ({(1 - (n1 / n0)) * 100:F1}% lower), on the wrinkles {w0:F2}° and {w1:F2}° ({(1 - (w1 / w0)) * 100:F1}% lower); recovered RMS {Statistics.Mean(wrinkled.Select(r => r.Measure!.RecoveredRmsMm)):F3} mm, true {Statistics.Mean(wrinkled.Select(r => r.Measure!.TrueRmsMm)):F3} mm"));
            }

            if (smooth.Count > 0)
            {
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"smooth: recovered RMS mean {Statistics.Mean(smooth.Select(r => r.Measure!.RecoveredRmsMm)):F3} mm (max {smooth.Max(r => r.Measure!.RecoveredRmsMm):F3}); " +
                    $"normal error {Statistics.Mean(smooth.Select(r => r.Measure!.NormalErrorWithout)):F2}° without the map, {Statistics.Mean(smooth.Select(r => r.Measure!.NormalErrorWith)):F2}° with it"));
            }

            if (fitted.Count > 0)
            {
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"fine-band photometric error {Statistics.Mean(fitted.Select(r => r.BandErrorWithout)):F4} without, {Statistics.Mean(fitted.Select(r => r.BandErrorWith)):F4} with; " +
                    $"detail pass {Statistics.Median(fitted.Select(r => r.DetailSeconds)):F1} s median, fit {Statistics.Median(fitted.Select(r => r.Seconds)):F1} s median"));
            }

            return fitted.Count == 0 ? 1 : 0;
        }
        finally
        {
            backgrounds.ForEach(b => b.Dispose());
        }
    }

    private static Image<Rgb24> Thumbnail(byte[] encoded)
    {
        var image = Image.Load<Rgb24>(encoded);
        image.Mutate(x => x.Resize(256, 256));
        return image;
    }

    /// <summary>A map in cm shown in grey, 0 at mid-grey and ±1.5 mm at black and white.</summary>
    private static Image<Rgb24> MapImage(float[] map)
    {
        var side = (int)Math.Round(Math.Sqrt(map.Length));
        var image = new Image<Rgb24>(side, side);
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                var g = (byte)Math.Clamp(Math.Round(127.5 + (map[(y * side) + x] / 0.15 * 127.5)), 0, 255);
                image[x, y] = new Rgb24(g, g, g);
            }
        }

        image.Mutate(m => m.Resize(256, 256));
        return image;
    }
}
