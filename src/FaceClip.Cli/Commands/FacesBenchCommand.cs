using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using Spectre.Console;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench faces</c>: median time per sample photo for detection + landmarks + descriptor, beside the time
/// @vladmandic/face-api (node, tfjs-backend-wasm) takes on the same photos in the same run.</summary>
public static class FacesBenchCommand
{
    public static Command Build(CliContext context)
    {
        var runs = new Option<int>("--runs") { Description = "Timed runs per photo (after one warm-up).", DefaultValueFactory = _ => 5 };
        var device = CommonOptions.Device();
        var threads = new Option<int>("--threads") { Description = "LibTorch CPU threads (0: LibTorch default).", DefaultValueFactory = _ => 0 };
        var noNode = new Option<bool>("--no-node") { Description = "Skip the face-api (node) comparison." };
        var images = new Argument<FileInfo[]>("images") { Description = "Photos (default: face-api's sample1..6.jpg).", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("faces", "Face detection + landmarks + descriptor: median ms per photo, TorchSharp port vs face-api in node.")
        {
            runs, device, threads, noNode, images,
        };
        command.SetAction(parse => Run(context, parse.GetValue(runs), parse.GetValue(device), parse.GetValue(threads), parse.GetValue(noNode), parse.GetValue(images) ?? Array.Empty<FileInfo>()));
        return command;
    }

    private static int Run(CliContext context, int runs, string? deviceSpec, int threads, bool noNode, FileInfo[] images)
    {
        if (runs < 1)
        {
            context.Error.WriteLine("error: --runs must be at least 1.");
            return FaceClipCommand.UserError;
        }

        var paths = images.Length > 0
            ? images.Select(f => f.FullName).ToList()
            : Enumerable.Range(1, 6).Select(i => Path.Combine(context.SamplePhotosFolder, $"sample{i}.jpg")).ToList();
        foreach (var p in paths.Where(p => !File.Exists(p)))
        {
            context.Error.WriteLine($"error: photo not found: {p} (run npm install for the sample photos).");
            return FaceClipCommand.UserError;
        }

        ComputeContext compute;
        try
        {
            compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceSpec ?? "auto", Threads = threads });
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            context.Error.WriteLine($"error: {ex.Message}");
            return FaceClipCommand.UserError;
        }

        var ours = new Dictionary<string, (double Ms, int Faces)>();
        using (var pipeline = FacesCommand.LoadPipeline(context, compute))
        {
            if (pipeline is null)
            {
                return FaceClipCommand.UserError;
            }

            foreach (var path in paths)
            {
                using var image = FaceImage.Load(path, device: compute.Device);
                var faces = pipeline.Analyse(image, expressions: false).Faces.Count; // warm-up
                var times = new List<double>();
                for (var r = 0; r < runs; r++)
                {
                    var sw = Stopwatch.StartNew();
                    pipeline.Analyse(image, expressions: false);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }

                ours[Path.GetFileName(path)] = (Statistics.Median(times), faces);
            }
        }

        var (node, nodeNote) = noNode ? (null, "skipped (--no-node)") : RunNode(context.Root, runs, paths);
        context.Console.MarkupLine($"Device: [bold]{Markup.Escape(compute.Description)}[/], {runs} timed run(s) per photo after a warm-up, median ms (detection + landmarks + descriptor, decode excluded).");
        context.Console.MarkupLine($"face-api: {Markup.Escape(nodeNote)}");
        var table = new Table().AddColumns("photo", "faces", "FaceClip ms", "face-api ms", "face-api / FaceClip");
        foreach (var (name, (ms, faces)) in ours)
        {
            var n = node is not null && node.TryGetValue(name, out var v) ? v : (double?)null;
            table.AddRow(
                Markup.Escape(name),
                faces.ToString(CultureInfo.InvariantCulture),
                ms.ToString("0.0", CultureInfo.InvariantCulture),
                n?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-",
                n is { } nv ? (nv / ms).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-");
        }

        var oursMedian = Statistics.Median(ours.Values.Select(v => v.Ms));
        var nodeMedian = node is not null && node.Count > 0 ? Statistics.Median(node.Values) : (double?)null;
        table.AddRow(
            "[bold]median[/]",
            string.Empty,
            oursMedian.ToString("0.0", CultureInfo.InvariantCulture),
            nodeMedian?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-",
            nodeMedian is { } nm ? $"[bold]{(nm / oursMedian).ToString("0.00", CultureInfo.InvariantCulture)}x[/]" : "-");
        context.Console.Write(table);
        return 0;
    }

    private static (Dictionary<string, double>? Times, string Note) RunNode(string root, int runs, IReadOnlyList<string> paths)
    {
        var script = Path.Combine(root, "tools", "face-api-reference", "reference.mjs");
        if (!File.Exists(script))
        {
            return (null, $"not run: {script} is missing");
        }

        var psi = new ProcessStartInfo("node") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("--bench");
        psi.ArgumentList.Add(runs.ToString(CultureInfo.InvariantCulture));
        foreach (var p in paths)
        {
            psi.ArgumentList.Add(p);
        }

        try
        {
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                return (null, $"node failed ({process.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()}");
            }

            using var doc = JsonDocument.Parse(stdout.Trim().Split('\n').Last());
            var times = doc.RootElement.GetProperty("medianMs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            var wasm = doc.RootElement.TryGetProperty("wasm", out var w)
                ? $", simd {w.GetProperty("simd")}, threads {w.GetProperty("threads")}"
                : string.Empty;
            var note = $"@vladmandic/face-api {doc.RootElement.GetProperty("faceapi").GetString()}, tfjs {doc.RootElement.GetProperty("tfjs").GetString()} ({doc.RootElement.GetProperty("backend").GetString()} backend{wasm}), same photos, same runs";
            return (times, note);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (null, $"not run: node not found ({ex.Message})");
        }
    }
}
