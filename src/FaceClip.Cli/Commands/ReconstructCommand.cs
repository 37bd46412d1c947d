using System.CommandLine;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
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
        var critic = CommonOptions.Critic("auto, clip or face.");
        var initialiser = CommonOptions.Initialiser();
        var device = CommonOptions.Device();
        var detail = new Option<bool>("--detail")
        {
            Description = "After the fit, refine a displacement map shown by normal mapping (geometric details; writes displacement.png, normal.png and bump.png, used by the OBJ and GLB).",
        };
        var dense = new Option<bool>("--dense") { Description = "With the details, also write the front face subdivided and displaced as geometry (mesh-dense.obj, mesh-dense.ply; implies --detail)." };
        var detailIterations = new Option<int?>("--detail-iterations") { Description = "Iterations of the detail pass (default 60)." };
        var photoTexture = new Option<bool>("--photo-texture")
        {
            Description = "Bake the photo as it projects everywhere it was seen (hair, background and the photo's expression folds included); by default the texture keeps to the subject's skin and takes the skin tone there.",
        };
        var weights = new Option<string[]>("--weight")
        {
            Description = "Override a loss weight, e.g. --weight landmarks=0.004 (photo, identity, landmarks, regularization, consistency, lighting).",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("reconstruct", "Fit a 3D face to a photo and write params.json, meshes, texture and renders.")
        {
            image, output, face, iterations, critic, device, weights, initialiser, detail, detailIterations, dense, photoTexture,
        };
        command.SetAction((parse, ct) =>
        {
            var options = new ReconstructionOptions { FaceIndex = parse.GetValue(face), Critic = parse.GetValue(critic), Initialiser = parse.GetValue(initialiser) };
            if (parse.GetValue(iterations) is { } n)
            {
                options.Iterations = n;
            }

            options.DenseDetailMesh = parse.GetValue(dense);
            options.DetailPass = parse.GetValue(detail) || parse.GetValue(detailIterations) is not null || options.DenseDetailMesh;
            options.CleanTexture = !parse.GetValue(photoTexture);
            if (parse.GetValue(detailIterations) is { } d)
            {
                options.DetailIterations = d;
            }

            foreach (var w in parse.GetValue(weights) ?? [])
            {
                ApplyWeight(options, w);
            }

            return RunAsync(context, parse.GetValue(image)!, parse.GetValue(output)!, options, parse.GetValue(device)!, ct);
        });
        return command;
    }

    /// <summary>The benches' fit options: the defaults, the full stage's iterations when given, then each
    /// <c>--weight name=value</c>.</summary>
    internal static ReconstructionOptions BenchOptions(int? iterations, IEnumerable<string> weights, CriticChoice critic = CriticChoice.Auto)
    {
        var options = new ReconstructionOptions { Critic = critic };
        if (iterations is { } n)
        {
            options.Iterations = n;
        }

        foreach (var w in weights)
        {
            ApplyWeight(options, w);
        }

        return options;
    }

    /// <summary>Applies one <c>name=value</c> loss weight.</summary>
    internal static void ApplyWeight(ReconstructionOptions options, string assignment)
    {
        var parts = assignment.Split('=', 2);
        if (parts.Length != 2 || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new CliUserException($"--weight expects name=value with a non-negative number, got '{assignment}'.");
        }

        switch (parts[0].Trim().ToLowerInvariant())
        {
            case "photo": options.PhotoWeight = value; break;
            case "identity" or "id": options.IdentityWeight = value; break;
            case "landmarks" or "landmark" or "lm": options.LandmarkWeight = value; break;
            case "regularization" or "reg": options.RegularizationWeight = value; break;
            case "consistency" or "cl": options.ConsistencyWeight = value; break;
            case "lighting": options.LightingWeight = value; break;
            case "pose-rate": options.PoseRate = value; break;
            case "shape-rate": options.ShapeRate = value; break;
            case "expression-rate": options.ExpressionRate = value; break;
            case "landmark-noise": options.LandmarkNoise = value; break;
            case "expression-scale": options.ExpressionScale = value; break;
            case "shape-iterations": options.ShapeIterations = (int)value; break;
            case "pose-iterations": options.PoseIterations = (int)value; break;
            case "detail-smoothness": options.DetailSmoothnessWeight = value; break;
            case "detail-magnitude": options.DetailMagnitudeWeight = value; break;
            case "detail-rate": options.DetailLearningRate = value; break;
            case "detail-band": options.DetailBand = value; break;
            case "detail-crop": options.DetailCropSize = (int)value; break;
            case "dense": options.DenseLandmarks = value > 0; break;
            case "dense-noise": options.DenseLandmarkNoise = value; break;
            case "dense-points": options.DenseIndependentPoints = value; break;
            case "dense-irises": options.DenseIrises = value > 0; break;
            case "dense-silhouette": options.DenseSilhouette = value > 0; break;
            default: throw new CliUserException($"Unknown loss '{parts[0]}': expected photo, identity, landmarks, regularization, consistency, lighting, pose-rate, shape-rate, expression-rate, landmark-noise, expression-scale, pose-iterations, shape-iterations, detail-smoothness, detail-magnitude, detail-rate, detail-band, detail-crop, dense, dense-noise, dense-points, dense-irises or dense-silhouette.");
        }
    }

    private static async Task<int> RunAsync(CliContext context, FileInfo image, DirectoryInfo output, ReconstructionOptions options, string deviceName, CancellationToken ct)
    {
        if (!image.Exists)
        {
            throw new CliUserException($"Cannot read '{image.FullName}': no such file.");
        }

        var compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceName });
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
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
                        task.Description = $"{p.Stage.Name()} {p.Iteration}/{p.StageIterations}{total}";
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
        context.Output.WriteLine($"face {fitted.FaceIndex} of {fitted.FaceCount}; critic {fitted.Critic.Name()}; initialiser {fitted.Initialiser.Name()}; device {fitted.Device}");
        context.Output.WriteLine($"landmark NME {q.LandmarkNme:F4}, photometric error {q.PhotometricError:F4}, descriptor distance {q.DescriptorDistance:F3}, {fitted.Timings["total"]:F1} s");
        if (fitted.Details is { } details)
        {
            context.Output.WriteLine($"details: mean |displacement| {details.MeanDisplacement * 10:F3} mm, max {details.MaxDisplacement * 10:F2} mm; " +
                $"fine-band photometric error {details.BandErrorWithout:F4} without, {details.BandErrorWith:F4} with ({(1 - (details.BandErrorWith / details.BandErrorWithout)) * 100:F1}% lower)");
        }

        context.Output.WriteLine($"wrote {string.Join(", ", files)} to {output.FullName}");
        return 0;
    }
}
