using System.CommandLine;
using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using Spectre.Console;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip reconstruct &lt;image&gt; --out DIR</c>: photo to 3D face.</summary>
public static class ReconstructCommand
{
    public static Command Build(CliContext context)
    {
        var image = new Argument<FileInfo>("image") { Description = "The photo (JPEG, PNG, WebP...)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for params.json, meshes and pictures.", Required = true };
        var face = new Option<int?>("--face") { Description = "Which detected face (0-based; default: the largest)." };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations of the full stage." };
        var critic = new Option<string>("--critic") { Description = "auto, clip or face.", DefaultValueFactory = _ => "auto" };
        critic.AcceptOnlyFromAmong("auto", "clip", "face");
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        var command = new Command("reconstruct", "Fit a 3D face to a photo and write params.json, meshes, texture and renders.")
        {
            image, output, face, iterations, critic, device,
        };
        command.SetAction((parse, ct) =>
        {
            var options = new ReconstructionOptions { FaceIndex = parse.GetValue(face), Critic = parse.GetValue(critic)! };
            if (parse.GetValue(iterations) is { } n)
            {
                options.Iterations = n;
            }

            return RunAsync(context, parse.GetValue(image)!, parse.GetValue(output)!, options, parse.GetValue(device)!, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, FileInfo image, DirectoryInfo output, ReconstructionOptions options, string deviceName, CancellationToken ct)
    {
        if (!image.Exists)
        {
            throw new CliUserException($"Cannot read '{image.FullName}': no such file.");
        }

        var compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceName });
        using var reconstructor = new Reconstructor(
            FaceModel.Load(context.Store, compute.Device),
            FacePipeline.Load(context.Store, compute.Device));
        ReconstructionResult? result = null;
        try
        {
            await context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask("detecting", maxValue: 1);
                    await foreach (var p in reconstructor.RunAsync(image.FullName, options, ct))
                    {
                        var total = p.Losses.TryGetValue("total", out var t) ? $" loss {t:F4}" : string.Empty;
                        task.Description = $"{p.Stage} {p.Iteration}/{p.StageIterations}{total}";
                        task.Value = p.Fraction;
                        result = p.Result ?? result;
                    }
                });
        }
        catch (Exception ex) when (ex is ReconstructionException or FaceImageException)
        {
            throw new CliUserException(ex.Message);
        }

        using var fitted = result ?? throw new InvalidOperationException("The fit ended without a result.");
        var files = ReconstructionWriter.Write(fitted, output.FullName, image.Name);
        var q = fitted.Quality;
        context.Output.WriteLine($"face {fitted.FaceIndex} of {fitted.FaceCount}; critic {fitted.Critic}; device {fitted.Device}");
        context.Output.WriteLine($"landmark NME {q.LandmarkNme:F4}, photometric error {q.PhotometricError:F4}, descriptor distance {q.DescriptorDistance:F3}, {fitted.Timings["total"]:F1} s");
        context.Output.WriteLine($"wrote {string.Join(", ", files)} to {output.FullName}");
        return 0;
    }
}
