using System.CommandLine;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using Spectre.Console;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip train --images DIR --out models/regressor.safetensors</c>: self-supervised training of the
/// parameter regressor with the reconstruction losses (defaults: the paper's Adam, lr 2e-4 x0.75 every 25 batches,
/// batch 16, 200 batches).</summary>
public static class TrainCommand
{
    public static Command Build(CliContext context)
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of face photos (every face of at least --min-face pixels is used).", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Weights to write (default: models/regressor.safetensors, which reconstruct then starts from)." };
        var batches = new Option<int>("--batches") { Description = "Training batches.", DefaultValueFactory = _ => 200 };
        var batchSize = new Option<int>("--batch-size") { Description = "Faces per batch.", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 2e-4 };
        var decayEvery = new Option<int>("--decay-every") { Description = "Multiply the learning rate by --decay every this many batches.", DefaultValueFactory = _ => 25 };
        var decay = new Option<double>("--decay") { Description = "Learning-rate factor.", DefaultValueFactory = _ => 0.75 };
        var cropSize = new Option<int>("--crop-size") { Description = "Side of the crops the losses are computed on (224 as the paper; smaller is faster).", DefaultValueFactory = _ => 224 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write OUT.checkpoint every this many batches (0: at the end only).", DefaultValueFactory = _ => 25 };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT.checkpoint (Adam's moments restart)." };
        var noRefinement = new Option<bool>("--no-refinement") { Description = "Ablation: no refinement branches (frozen trunk, pooling and head only)." };
        var width = new Option<int>("--width") { Description = "Channels of the refinement branches.", DefaultValueFactory = _ => 128 };
        var noAugment = new Option<bool>("--no-augment") { Description = "No flip, zoom, shift or colour jitter." };
        var seed = new Option<int>("--seed") { Description = "Random seed (batches, augmentation).", DefaultValueFactory = _ => 1 };
        var minFace = new Option<int>("--min-face") { Description = "Smallest face used (pixels).", DefaultValueFactory = _ => 48 };
        var device = CommonOptions.Device();
        var weights = new Option<string[]>("--weight") { Description = "Override a loss weight, e.g. --weight landmarks=0.004." };
        var command = new Command("train", "Train the parameter regressor (the initialiser of reconstruct) on a folder of face photos.")
        {
            images, output, batches, batchSize, lr, decayEvery, decay, cropSize, checkpointEvery, resume, noRefinement, width, noAugment, seed, minFace, device, weights,
        };
        command.SetAction((parse, ct) =>
        {
            var o = new RegressorTrainingOptions
            {
                Batches = parse.GetValue(batches),
                BatchSize = parse.GetValue(batchSize),
                LearningRate = parse.GetValue(lr),
                DecayEvery = parse.GetValue(decayEvery),
                Decay = parse.GetValue(decay),
                CropSize = parse.GetValue(cropSize),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                Resume = parse.GetValue(resume),
                Seed = parse.GetValue(seed),
                Augmentation = parse.GetValue(noAugment) ? FaceAugmentation.None : new FaceAugmentation(),
                Network = new RegressorConfig { RefinementBranches = !parse.GetValue(noRefinement), Width = parse.GetValue(width) },
            };
            o.Losses.MinimumFaceSize = parse.GetValue(minFace);
            foreach (var w in parse.GetValue(weights) ?? [])
            {
                ReconstructCommand.ApplyWeight(o.Losses, w);
            }

            try
            {
                o.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new CliUserException(ex.Message);
            }

            return RunAsync(context, parse.GetValue(images)!, parse.GetValue(output), o, parse.GetValue(device)!, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo images, FileInfo? output, RegressorTrainingOptions o, string deviceName, CancellationToken ct)
    {
        if (!images.Exists)
        {
            throw new CliUserException($"Cannot read '{images.FullName}': no such folder.");
        }

        var files = FaceCropDataset.ImagesIn(images.FullName);
        if (files.Count == 0)
        {
            throw new CliUserException($"No photos (.jpg, .jpeg, .png, .webp, .bmp) in '{images.FullName}'.");
        }

        var compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceName });
        var path = output?.FullName ?? Reconstructor.RegressorPath(context.Store);
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        FaceCropDataset data;
        try
        {
            data = FaceCropDataset.Build(reconstructor.Faces, files, o.Losses.CropSize, o.Losses.CropScale, o.Losses.MinimumFaceSize, context.Store.CacheDirectory);
        }
        catch (Exception ex) when (ex is ReconstructionException or FaceImageException)
        {
            throw new CliUserException(ex.Message);
        }

        using (data)
        {
            context.Output.WriteLine($"{data.Count} faces from {files.Count} photos{(data.FromCache ? " (cached crops)" : string.Empty)}; device {compute.Description}");
            context.Output.WriteLine($"network: {(o.Network.RefinementBranches ? "trunk + depthwise-separable and transformer branches" : "trunk + head (no refinement branches)")}; " +
                                     $"{o.Batches} batches of {o.BatchSize}, Adam lr {o.LearningRate:G3} x{o.Decay} every {o.DecayEvery}, crops {o.CropSize} px");
            var trainer = new RegressorTrainer(reconstructor);
            ParameterRegressor? trained = null;
            IReadOnlyList<OptimisationProgress<ParameterRegressor>> history = [];
            await context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(progress =>
                {
                    var task = progress.AddTask("training", maxValue: o.Batches);
                    (trained, history) = trainer.Train(data, path, o, p =>
                    {
                        task.Description = $"batch {p.Iteration}/{p.StageIterations} loss {p.Losses["total"]:F4}";
                        task.Value = p.Iteration;
                    }, ct);
                    return Task.CompletedTask;
                });
            using (trained)
            {
                if (history.Count > 0)
                {
                    var first = history[0].Losses;
                    var last = history[^1].Losses;
                    context.Output.WriteLine($"loss {first["total"]:F4} (batch {history[0].Iteration}) -> {last["total"]:F4} (batch {history[^1].Iteration}); " +
                                             $"landmarks {first["landmarks"]:F4} -> {last["landmarks"]:F4}, photo {first["photo"]:F4} -> {last["photo"]:F4}");
                    context.Output.WriteLine($"{history[^1].Elapsed.TotalSeconds:F1} s, {history[^1].Elapsed.TotalSeconds / history.Count:F2} s per batch");
                }

                context.Output.WriteLine($"wrote {path} (log {RegressorTrainer.LogPath(path)})");
            }
        }

        return 0;
    }
}
