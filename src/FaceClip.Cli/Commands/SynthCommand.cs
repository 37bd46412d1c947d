using System.CommandLine;
using System.Globalization;
using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Geometry;
using FaceClip.Core.IO;
using FaceClip.Core.Rendering;
using FaceClip.Core.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SkiaSharp;
using Spectre.Console;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip synth --out DIR --count N</c>: writes a training corpus of synthetic faces with known codes and
/// landmarks (<see cref="SyntheticCorpus"/>); run again with a larger count to extend it.</summary>
public static class SynthCommand
{
    /// <summary>The photos are rendered at this many times their size, then filtered down (<c>--supersampling</c>).</summary>
    public const int DefaultSupersampling = 2;

    public static Command Build(CliContext context)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Corpus folder (created; a corpus of the same settings there is continued).", Required = true };
        var count = new Option<int>("--count") { Description = "Faces the corpus should hold.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the faces (the same seed, the same corpus).", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size") { Description = "Side of the photos in pixels.", DefaultValueFactory = _ => SyntheticScene.Corpus.ImageSize!.Value };
        var occluders = new Option<double>("--occluders") { Description = "Share of faces with glasses, a hand or hair strands in front.", DefaultValueFactory = _ => SyntheticScene.Corpus.OccluderChance };
        var supersampling = new Option<int>("--supersampling") { Description = "Render at this many times the photo's size, then filter down.", DefaultValueFactory = _ => DefaultSupersampling };
        var threads = new Option<int?>("--threads") { Description = "Faces rendered at once (default: one per core)." };
        var backgrounds = new Option<DirectoryInfo?>("--backgrounds") { Description = "Photos to crop blurred backgrounds from (default: the sample photos)." };
        var sheet = new Option<FileInfo?>("--sheet") { Description = "Also write a PNG sheet of the first 36 photos with their true landmarks drawn." };
        var command = new Command("synth", "Write a training corpus of synthetic faces (photos, codes, landmarks) for `faceclip train`.")
        {
            output, count, seed, size, occluders, supersampling, threads, backgrounds, sheet,
        };
        command.SetAction((parse, ct) =>
        {
            var n = parse.GetValue(count);
            if (n < 1)
            {
                throw new CliUserException("--count must be at least 1.");
            }

            if (parse.GetValue(supersampling) is < 1 or > 6)
            {
                throw new CliUserException("--supersampling must be 1 to 6.");
            }

            if (parse.GetValue(threads) is < 1)
            {
                throw new CliUserException("--threads must be at least 1.");
            }

            var scene = SyntheticScene.Corpus with { ImageSize = parse.GetValue(size), OccluderChance = parse.GetValue(occluders) };
            try
            {
                scene.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new CliUserException(ex.Message);
            }

            return Task.FromResult(Run(context, parse.GetValue(output)!, n, parse.GetValue(seed), scene, parse.GetValue(supersampling), parse.GetValue(threads), parse.GetValue(backgrounds), parse.GetValue(sheet), ct));
        });
        return command;
    }

    internal static int Run(CliContext context, DirectoryInfo output, int count, int seed, SyntheticScene scene, int supersampling, int? threads, DirectoryInfo? backgroundFolder,
        FileInfo? sheet, CancellationToken ct)
    {
        var data = IctFaceKitImporter.Load(context.Store);
        var backgrounds = context.BenchPhotos(backgroundFolder).Select(SKBitmap.Decode).Where(b => b is not null).ToList();
        try
        {
            var corpus = new SyntheticCorpus(data, new FaceModelOptions().ShapeDimensions, scene, backgrounds, supersampling);
            SyntheticCorpusSummary? summary = null;
            context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(progress =>
                {
                    var task = progress.AddTask("faces", maxValue: count);
                    try
                    {
                        summary = corpus.Write(output.FullName, count, seed, new Progress<int>(n => task.Value = n), threads, ct);
                    }
                    catch (InvalidOperationException ex)
                    {
                        throw new CliUserException(ex.Message);
                    }
                });
            var s = summary!;
            var rate = s.FacesPerSecond > 0 ? string.Create(CultureInfo.InvariantCulture, $" (50,000 faces: {50000 / s.FacesPerSecond / 3600:F1} h at this rate)") : "";
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{output.FullName}: {s.Total} faces ({s.Written} written now, {s.Existing} there before); {s.Seconds:F1} s, {s.FacesPerSecond:F2} faces/s{rate}"));
            if (sheet is not null)
            {
                WriteSheet(output.FullName, sheet.FullName);
                context.Output.WriteLine($"wrote {sheet.FullName}");
            }

            return 0;
        }
        finally
        {
            backgrounds.ForEach(b => b!.Dispose());
        }
    }

    /// <summary>The first 36 photos at 256 pixels, each with its true 68 landmarks as green dots.</summary>
    private static void WriteSheet(string corpus, string path)
    {
        var (_, labels) = SyntheticCorpus.Read(corpus);
        var tiles = new List<Image<Rgb24>>();
        foreach (var label in labels.Take(36))
        {
            var image = Image.Load<Rgb24>(Path.Combine(corpus, label.Image));
            var scale = 256.0 / image.Width;
            image.Mutate(x => x.Resize(256, 256));
            foreach (var p in label.Landmarks)
            {
                var (cx, cy) = ((int)Math.Round(p[0] * scale), (int)Math.Round(p[1] * scale));
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        if (cx + dx >= 0 && cx + dx < 256 && cy + dy >= 0 && cy + dy < 256)
                        {
                            image[cx + dx, cy + dy] = new Rgb24(40, 230, 60);
                        }
                    }
                }
            }

            tiles.Add(image);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageFiles.SaveGrid(tiles, Math.Min(6, tiles.Count), path);
        tiles.ForEach(t => t.Dispose());
    }
}
