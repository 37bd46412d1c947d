using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench dense</c>: MediaPipe's dense landmarks on a folder of photos (default: the sample photos):
/// seconds per photo against face-api's analysis of the same photo, and with <c>--human FILE</c> (written by
/// tools/mediapipe-reference/pipeline.sh) the distance of every point to what @vladmandic/human's own pipeline finds.</summary>
public static class DenseBenchCommand
{
    public static Command Build(CliContext context)
    {
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of photos (default: the face-api sample photos)." };
        var human = new Option<FileInfo?>("--human") { Description = "JSON of @vladmandic/human's pipeline on the same photos (tools/mediapipe-reference/pipeline.sh)." };
        var runs = new Option<int>("--runs") { Description = "Timed runs per photo (the median is reported).", DefaultValueFactory = _ => 3 };
        var command = new Command("dense", "Dense landmarks (Face Mesh and iris): time per photo, and agreement with @vladmandic/human end to end.") { images, human, runs };
        command.SetAction(parse => Run(context, parse.GetValue(images), parse.GetValue(human), Math.Max(1, parse.GetValue(runs))));
        return command;
    }

    private static int Run(CliContext context, DirectoryInfo? folder, FileInfo? humanFile, int runs)
    {
        if (humanFile is { Exists: false })
        {
            throw new CliUserException($"Cannot read '{humanFile.FullName}': no such file.");
        }

        var reference = humanFile is null ? null : ReadHuman(humanFile.FullName);
        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var pipeline = FacePipeline.Load(context.Store, compute.Device);
        using var dense = DenseLandmarker.Load(context.Store, compute.Device);
        context.Output.WriteLine($"device {compute.Description}");
        context.Output.WriteLine($"{"face",-14} {"flag",6} {"mesh/human",11} {"iris/human",11}");
        var (meshErrors, irisErrors, ratios) = (new List<double>(), new List<double>(), new List<double>());
        var (unmatched, faces) = (0, 0);
        foreach (var file in context.BenchPhotos(folder))
        {
            using var image = FaceImage.Load(file);
            var analysis = pipeline.Analyse(image, expressions: false, descriptors: false);
            IReadOnlyList<DenseFace> found = dense.Detect(image, analysis.Faces); // warm-up, and the result
            var denseTimes = Time(runs, () => dense.Detect(image, analysis.Faces));
            var analyseTimes = Time(runs, () => pipeline.Analyse(image, expressions: false, descriptors: false));
            if (found.Count > 0)
            {
                ratios.Add(Statistics.Median(denseTimes) / Statistics.Median(analyseTimes));
            }

            var name = Path.GetFileName(file);
            var theirs = reference?.GetValueOrDefault(name) ?? [];
            for (var f = 0; f < found.Count; f++)
            {
                faces++;
                var line = $"{Path.GetFileNameWithoutExtension(file) + "#" + f,-14} {found[f].Score,6:F3}";
                if (reference is not null)
                {
                    var match = Nearest(found[f], theirs);
                    if (match is null)
                    {
                        unmatched++;
                        line += $" {"no match",11}";
                    }
                    else
                    {
                        var eye = found[f].OuterEyeDistance;
                        var mesh = LandmarkError.MeanDistance(found[f].Points.Select(Xy).ToList(), match[..DenseFace.MeshPoints]) / eye;
                        var iris = LandmarkError.MeanDistance(found[f].IrisCentres, [match[DenseFace.MeshPoints], match[DenseFace.MeshPoints + 5]]) / eye;
                        meshErrors.Add(mesh);
                        irisErrors.Add(iris);
                        line += $" {mesh,10:P2} {iris,10:P2}";
                    }
                }

                context.Output.WriteLine(line);
            }
        }

        context.Output.WriteLine($"faces {faces}; dense landmarks take {Statistics.Median(ratios):F2}x the time of face-api's detection and 68 landmarks (median over photos, {runs} runs each)");
        if (reference is not null && meshErrors.Count > 0)
        {
            context.Output.WriteLine($"against @vladmandic/human's pipeline, as a share of the outer-eye distance: mesh points median {Statistics.Median(meshErrors):P2} (worst {meshErrors.Max():P2}), " +
                                     $"iris centres median {Statistics.Median(irisErrors):P2} (worst {irisErrors.Max():P2}); {unmatched} of {faces} faces not found by it");
        }

        return 0;
    }

    private static (float X, float Y) Xy((float X, float Y, float Z) p) => (p.X, p.Y);

    private static List<double> Time(int runs, Action action)
    {
        var times = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalSeconds);
        }

        return times;
    }

    /// <summary>The reference face whose nose tip (mesh point 1) is nearest ours, if within half the outer-eye distance.</summary>
    private static (float X, float Y)[]? Nearest(DenseFace ours, IReadOnlyList<(float X, float Y)[]> theirs)
    {
        var eye = ours.OuterEyeDistance;
        var best = theirs.OrderBy(t => LandmarkError.Distance(t[1], Xy(ours.Points[1]))).FirstOrDefault();
        return best is not null && LandmarkError.Distance(best[1], Xy(ours.Points[1])) < eye / 2 ? best : null;
    }

    /// <summary>Per photo, each face's 478 points (468 mesh, then the left iris's 5 and the right's).</summary>
    private static Dictionary<string, List<(float X, float Y)[]>> ReadHuman(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var result = new Dictionary<string, List<(float X, float Y)[]>>(StringComparer.Ordinal);
        foreach (var image in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            result[image.GetProperty("file").GetString()!] = image.GetProperty("faces").EnumerateArray()
                .Select(f => f.GetProperty("mesh").EnumerateArray().Select(p => (p[0].GetSingle(), p[1].GetSingle())).ToArray())
                .Where(m => m.Length >= DenseFace.MeshPoints + 10)
                .ToList();
        }

        return result;
    }
}
