using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceClip.Core.Rendering;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using Spectre.Console;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip faces IMAGE [--json] [--overlay out.png]</c>: every face with box, score, 68 landmarks and expressions.</summary>
public static class FacesCommand
{
    public static Command Build(CliContext context)
    {
        var image = new Argument<FileInfo>("image") { Description = "Photo to analyse (JPEG, PNG, BMP, GIF, WebP)." };
        var json = new Option<bool>("--json") { Description = "Print JSON (boxes, scores, landmarks, expressions, descriptors)." };
        var overlay = new Option<FileInfo?>("--overlay") { Description = "Write a PNG with the boxes and landmarks drawn." };
        var device = CommonOptions.Device();
        var dense = new Option<bool>("--dense") { Description = "Also find MediaPipe's 468 Face Mesh points and the irises of each face (JSON and overlay)." };
        var crops = new Option<DirectoryInfo?>("--crops") { Description = "With --dense: write the face and eye crops the dense networks read, as PNG, here." };
        var detector = new Option<string>("--detector") { Description = "ssd (SSD MobileNetV1, default) or tiny (tiny face detector).", DefaultValueFactory = _ => "ssd" };
        detector.AcceptOnlyFromAmong("ssd", "tiny");
        var command = new Command("faces", "Detect faces with face-api's networks (TorchSharp port): boxes, 68 landmarks, expressions, identity descriptors.")
        {
            image, json, overlay, device, detector, dense, crops,
        };
        command.SetAction(parse => Run(context, parse.GetValue(image)!, parse.GetValue(json), parse.GetValue(overlay), parse.GetValue(device), parse.GetValue(detector) == "tiny",
            parse.GetValue(dense), parse.GetValue(crops)));
        return command;
    }

    private static int Run(CliContext context, FileInfo file, bool asJson, FileInfo? overlay, string? deviceSpec, bool tiny, bool dense, DirectoryInfo? crops)
    {
        if (crops is not null && !dense)
        {
            context.Error.WriteLine("error: --crops writes the dense networks' crops; it needs --dense.");
            return FaceClipCommand.UserError;
        }

        ComputeContext compute;
        FaceImage image;
        try
        {
            compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceSpec ?? "auto" });
            image = FaceImage.Load(file.FullName, device: compute.Device);
        }
        catch (Exception ex) when (ex is FaceImageException or ArgumentException or InvalidOperationException)
        {
            // Reported here: System.CommandLine's default handler would print a stack trace for an exception from an action.
            context.Error.WriteLine($"error: {ex.Message}");
            return FaceClipCommand.UserError;
        }

        using (image)
        using (var pipeline = LoadPipeline(context, compute))
        {
            if (pipeline is null)
            {
                return FaceClipCommand.UserError;
            }

            var analysis = tiny ? pipeline.Analyse(image, pipeline.TinyDetector.Detect(image)) : pipeline.Analyse(image);
            IReadOnlyList<DenseFace>? denseFaces = null;
            if (dense)
            {
                DenseLandmarker landmarker;
                try
                {
                    landmarker = DenseLandmarker.Load(context.Store, compute.Device);
                }
                catch (ModelAssetException ex)
                {
                    context.Error.WriteLine($"error: {ex.Message}");
                    return FaceClipCommand.UserError;
                }

                using (landmarker)
                {
                    denseFaces = landmarker.Detect(image, analysis.Faces);
                    if (crops is not null)
                    {
                        WriteCrops(landmarker, image, denseFaces, Path.GetFileNameWithoutExtension(file.Name), crops.FullName);
                    }
                }
            }

            if (overlay is not null)
            {
                FaceOverlay.Write(image, analysis, overlay.FullName, denseFaces);
            }

            if (asJson)
            {
                context.Output.WriteLine(ToJson(file.Name, analysis, denseFaces));
            }
            else
            {
                Print(context, file.Name, analysis);
                if (overlay is not null)
                {
                    context.Console.MarkupLine($"Overlay: {Markup.Escape(overlay.FullName)}");
                }
            }
        }

        return 0;
    }

    /// <summary>The pipeline from the model store's face-api asset, or null after printing why it is missing.</summary>
    internal static FacePipeline? LoadPipeline(CliContext context, ComputeContext compute)
    {
        try
        {
            return FacePipeline.Load(context.Store, compute.Device);
        }
        catch (ModelAssetException ex)
        {
            context.Error.WriteLine($"error: {ex.Message}");
            return null;
        }
    }

    private static void Print(CliContext context, string name, FaceAnalysis analysis)
    {
        context.Console.MarkupLine($"{Markup.Escape(name)}: {analysis.Width} x {analysis.Height}, [bold]{analysis.Faces.Count}[/] face(s)");
        if (analysis.Faces.Count == 0)
        {
            return;
        }

        var table = new Table().AddColumns("#", "score", "box (x, y, w, h)", "expressions (top 3)", "nose tip (x, y)");
        for (var i = 0; i < analysis.Faces.Count; i++)
        {
            var f = analysis.Faces[i];
            var probs = string.Join(", ", FaceExpressions.Names.Select((n, k) => (n, p: f.Expressions.Probabilities[k])).OrderByDescending(t => t.p).Take(3)
                .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.n} {t.p:0.00}")));
            table.AddRow(
                (i + 1).ToString(CultureInfo.InvariantCulture),
                f.Score.ToString("0.000", CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{f.Box.X:0}, {f.Box.Y:0}, {f.Box.Width:0}, {f.Box.Height:0}"),
                Markup.Escape(probs),
                string.Create(CultureInfo.InvariantCulture, $"{f.Landmarks[30].X:0.0}, {f.Landmarks[30].Y:0.0}"));
        }

        context.Console.Write(table);
    }

    /// <summary>Writes mesh-NAME-F.png (192 x 192) and eye-NAME-F-left/right.png (64 x 64, the mirrored eye as the
    /// iris model reads it) for every face.</summary>
    private static void WriteCrops(DenseLandmarker landmarker, FaceImage image, IReadOnlyList<DenseFace> faces, string name, string directory)
    {
        Directory.CreateDirectory(directory);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var (faceCrops, eyes) = landmarker.Crops(image, faces);
        for (var f = 0; f < faces.Count; f++)
        {
            ImageFiles.SavePng(faceCrops[f], Path.Combine(directory, $"mesh-{name}-{f}.png"));
            ImageFiles.SavePng(eyes[2 * f], Path.Combine(directory, $"eye-{name}-{f}-left.png"));
            ImageFiles.SavePng(eyes[(2 * f) + 1], Path.Combine(directory, $"eye-{name}-{f}-right.png"));
        }
    }

    internal static string ToJson(string name, FaceAnalysis analysis, IReadOnlyList<DenseFace>? dense = null)
    {
        var doc = new
        {
            image = name,
            width = analysis.Width,
            height = analysis.Height,
            faces = analysis.Faces.Select(f => new
            {
                score = f.Score,
                box = new { x = f.Box.X, y = f.Box.Y, width = f.Box.Width, height = f.Box.Height },
                landmarks = f.Landmarks.Select(p => new[] { p.X, p.Y }),
                expressions = FaceExpressions.Names.Select((n, k) => (n, k)).ToDictionary(t => t.n, t => f.Expressions.Probabilities[t.k]),
                dominantExpression = f.Expressions.Dominant,
                descriptor = f.Descriptor,
            }),
            dense = dense?.Select(d => new
            {
                score = d.Score,
                points = d.Points.Select(p => new[] { p.X, p.Y, p.Z }),
                irises = d.Irises.Select(i => i.Select(p => new[] { p.X, p.Y })),
            }),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = false });
    }
}
