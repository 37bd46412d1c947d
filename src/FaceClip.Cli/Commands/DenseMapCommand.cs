using System.CommandLine;
using System.Globalization;
using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using SkiaSharp;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip models build-dense-map</c>: learns where Face Mesh's points lie on the face model from synthetic
/// photographs with known geometry, checks the result on photographs of another seed, and writes the map
/// (the shipped one is <c>src/FaceClip.Core/Geometry/dense-ict-map.json</c>).</summary>
public static class DenseMapCommand
{
    /// <summary>The seed the shipped map was learnt from; the benchmarks use seeds 1 to 3.</summary>
    public const int DefaultSeed = 1000;

    public static Command Build(CliContext context)
    {
        var renders = new Option<int>("--renders") { Description = "Photographs to learn from.", DefaultValueFactory = _ => 300 };
        var seed = new Option<int>("--seed") { Description = "Seed of the photographs learnt from.", DefaultValueFactory = _ => DefaultSeed };
        var check = new Option<int>("--check") { Description = "Photographs of another seed (seed + 1) to check the map on.", DefaultValueFactory = _ => 40 };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the map (JSON).", Required = true };
        var command = new Command("build-dense-map", "Learn where MediaPipe's Face Mesh points lie on the face model, from synthetic photographs with known geometry.") { renders, seed, check, output };
        command.SetAction(parse => Run(context, parse.GetValue(renders), parse.GetValue(seed), parse.GetValue(check), parse.GetValue(output)!));
        return command;
    }

    private static int Run(CliContext context, int renders, int seed, int check, FileInfo output)
    {
        if (renders < 1 || check < 0)
        {
            throw new CliUserException("--renders must be at least 1 and --check at least 0.");
        }

        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        using var dense = DenseLandmarker.Load(context.Store, compute.Device);
        var backgrounds = context.BenchPhotos(null).Select(SKBitmap.Decode).Where(b => b is not null).ToList();
        try
        {
            var builder = new DenseMapBuilder(reconstructor.Model.Data, reconstructor.Model.Layout.Shape, reconstructor.Faces, dense, backgrounds);
            var progress = new Progress<int>(n =>
            {
                if (n % 50 == 0)
                {
                    context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n} of {renders} photographs read"));
                }
            });
            var map = builder.Build(renders, seed, progress);
            map.Write(output.FullName);
            var spreads = map.Points.Select(p => p.SpreadMm).Order().ToList();
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {output.FullName}: {map.Points.Count} points from {renders} photographs (seed {seed}); samples per point median {map.Points.Select(p => p.Samples).Order().ElementAt(map.Points.Count / 2)}, spread on the mean face median {spreads[spreads.Count / 2]:F2} mm, 90th percentile {spreads[(int)(spreads.Count * 0.9)]:F2} mm"));
            if (check > 0)
            {
                var c = builder.Check(map, check, seed + 1);
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"check on {c.Faces} photographs of seed {seed + 1}: mapped points on the true geometry against Face Mesh's, median over faces of the mean distance / outer-eye distance: all {c.MedianPx:P2}, off the silhouette {c.InteriorMedian:P2}, silhouette {c.ContourMedian:P2}, iris centres {c.IrisMedian:P2}; " +
                    $"the model's own 68 landmark vertices against face-api's detections, off the jaw line: {c.Ibug51Median:P2}"));
            }
        }
        finally
        {
            backgrounds.ForEach(b => b!.Dispose());
        }

        return 0;
    }
}
