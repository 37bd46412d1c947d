using System.CommandLine;
using System.Globalization;
using FaceClip.Core.Evaluation.Synthetic;
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
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of face photos for the self-supervised batches (every face of at least --min-face pixels is used)." };
        var synthetic = new Option<DirectoryInfo?>("--synthetic") { Description = "A corpus written by `faceclip synth`: supervised batches on its codes and landmarks first, then mixed into the self-supervised ones." };
        var syntheticBatches = new Option<int>("--synthetic-batches") { Description = "Supervised batches on the synthetic corpus.", DefaultValueFactory = _ => 3000 };
        var syntheticBatchSize = new Option<int>("--synthetic-batch-size") { Description = "Faces per supervised batch.", DefaultValueFactory = _ => 64 };
        var syntheticLr = new Option<double>("--synthetic-lr") { Description = "Adam learning rate of the supervised batches (x0.3 every 1000).", DefaultValueFactory = _ => 1e-3 };
        var syntheticWeight = new Option<double>("--synthetic-weight") { Description = "Weight of a synthetic batch's supervised loss in each self-supervised batch.", DefaultValueFactory = _ => 1 };
        var syntheticLimit = new Option<int?>("--synthetic-limit") { Description = "Use only the corpus' first N faces." };
        var output = new Option<FileInfo?>("--out") { Description = "Weights to write (default: models/regressor.safetensors, which reconstruct then starts from)." };
        var batches = new Option<int>("--batches") { Description = "Training batches.", DefaultValueFactory = _ => 200 };
        var batchSize = new Option<int>("--batch-size") { Description = "Faces per batch.", DefaultValueFactory = _ => 16 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 2e-4 };
        var decayEvery = new Option<int>("--decay-every") { Description = "Multiply the learning rate by --decay every this many batches.", DefaultValueFactory = _ => 25 };
        var decay = new Option<double>("--decay") { Description = "Learning-rate factor.", DefaultValueFactory = _ => 0.75 };
        var cropSize = new Option<int>("--crop-size") { Description = "Side of the crops the losses are computed on (224 as the paper; smaller is faster).", DefaultValueFactory = _ => 224 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write OUT.checkpoint every this many batches (0: at the end only).", DefaultValueFactory = _ => 25 };
        var resume = new Option<bool>("--resume") { Description = $"Continue each phase from its checkpoint (Adam's moments restart): OUT.checkpoint, and the supervised phase's, written every {new RegressorTrainingOptions().SyntheticCheckpointEvery} batches." };
        var noRefinement = new Option<bool>("--no-refinement") { Description = "Ablation: no refinement branches (frozen trunk, pooling and head only)." };
        var width = new Option<int>("--width") { Description = "Channels of the refinement branches.", DefaultValueFactory = _ => 128 };
        var noAugment = new Option<bool>("--no-augment") { Description = "No flip, zoom, shift or colour jitter." };
        var seed = new Option<int>("--seed") { Description = "Random seed (batches, augmentation).", DefaultValueFactory = _ => 1 };
        var minFace = new Option<int>("--min-face") { Description = "Smallest face used (pixels).", DefaultValueFactory = _ => 48 };
        var device = CommonOptions.Device();
        var weights = new Option<string[]>("--weight") { Description = "Override a loss weight, e.g. --weight landmarks=0.004." };
        var command = new Command("train", "Train the parameter regressor (the initialiser of reconstruct) on a folder of face photos.")
        {
            images, synthetic, syntheticBatches, syntheticBatchSize, syntheticLr, syntheticWeight, syntheticLimit, output, batches, batchSize, lr, decayEvery, decay, cropSize, checkpointEvery, resume, noRefinement, width, noAugment, seed, minFace, device, weights,
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
                SyntheticBatches = parse.GetValue(syntheticBatches),
                SyntheticBatchSize = parse.GetValue(syntheticBatchSize),
                SyntheticLearningRate = parse.GetValue(syntheticLr),
                SyntheticWeight = parse.GetValue(syntheticWeight),
            };
            if (parse.GetValue(images) is null && parse.GetValue(synthetic) is null)
            {
                throw new CliUserException("Give --images (photos, self-supervised), --synthetic (a `faceclip synth` corpus, supervised), or both.");
            }

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

            return RunAsync(context, parse.GetValue(images), parse.GetValue(synthetic), parse.GetValue(syntheticLimit), parse.GetValue(output), o, parse.GetValue(device)!, ct);
        });
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, DirectoryInfo? images, DirectoryInfo? synthetic, int? syntheticLimit, FileInfo? output, RegressorTrainingOptions o,
        string deviceName, CancellationToken ct)
    {
        IReadOnlyList<string> files = [];
        if (images is not null)
        {
            if (!images.Exists)
            {
                throw new CliUserException($"Cannot read '{images.FullName}': no such folder.");
            }

            files = FaceCropDataset.ImagesIn(images.FullName);
            if (files.Count == 0)
            {
                throw new CliUserException($"No photos (.jpg, .jpeg, .png, .webp, .bmp) in '{images.FullName}'.");
            }
        }

        if (synthetic is not null && !synthetic.Exists)
        {
            throw new CliUserException($"Cannot read '{synthetic.FullName}': no such folder.");
        }

        var compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceName });
        var path = output?.FullName ?? Reconstructor.RegressorPath(context.Store);
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        var trainer = new RegressorTrainer(reconstructor);
        ParameterRegressor? trained = null;
        SyntheticTrainingSet? set = null;
        try
        {
            if (synthetic is not null)
            {
                trained = trainer.NewRegressor(o);
                try
                {
                    set = await Bar<SyntheticTrainingSet, (int Done, int Total)>(context, "encoding the corpus", 1, (task, p) => (task.MaxValue, task.Value) = (p.Total, p.Done), report =>
                        SyntheticTrainingSet.Build(reconstructor, trained, synthetic.FullName, o.Losses.CropSize, o.Losses.CropScale, o.Seed, syntheticLimit, new Progress<(int Done, int Total)>(report), ct));
                }
                catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or FaceImageException)
                {
                    throw new CliUserException(ex.Message);
                }

                context.Output.WriteLine($"{set.Count} synthetic faces from {synthetic.FullName}; {set.PointCount} supervised points each; device {compute.Description}");
                context.Output.WriteLine($"supervised: {o.SyntheticBatches} batches of {o.SyntheticBatchSize}, Adam lr {o.SyntheticLearningRate:G3} x{o.SyntheticDecay} every {o.SyntheticDecayEvery}; {o.SyntheticHeldOut:P0} held out");
                var syntheticPath = images is null ? path : Path.ChangeExtension(path, ".synthetic.safetensors");
                var (_, history, before, after) = await Bar(context, "supervised", o.SyntheticBatches, BatchProgress, report =>
                    trainer.TrainSynthetic(trained, set, syntheticPath, o, report, ct));
                if (history.Count > 0 && history[0].Iteration > 1)
                {
                    context.Output.WriteLine($"resumed from {RegressorTrainer.CheckpointPath(syntheticPath)} at batch {history[0].Iteration}");
                }

                if (before.Count > 0)
                {
                    context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"held-out faces: points {before["points"]:F2} -> {after["points"]:F2} % of the crop, vertices {before["vertices"]:F2} -> {after["vertices"]:F2} mm, " +
                        $"shape {before["shape"]:F3} -> {after["shape"]:F3}, expression {before["expression"]:F4} -> {after["expression"]:F4} (before -> after training)"));
                }

                if (history.Count > 0)
                {
                    context.Output.WriteLine($"{history[^1].Elapsed.TotalSeconds:F1} s, {history[^1].Elapsed.TotalSeconds / history.Count:F3} s per batch");
                }

                trained.Save(syntheticPath, new Dictionary<string, string> { ["synthetic_batches"] = o.SyntheticBatches.ToString(CultureInfo.InvariantCulture), ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture) });
                context.Output.WriteLine($"wrote {syntheticPath} (log {RegressorTrainer.LogPath(syntheticPath)})");
                if (images is null)
                {
                    return 0;
                }
            }

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
                                         $"{o.Batches} batches of {o.BatchSize}, Adam lr {o.LearningRate:G3} x{o.Decay} every {o.DecayEvery}, crops {o.CropSize} px" +
                                         (set is not null && o.SyntheticWeight > 0 ? $"; each mixed with a synthetic batch (weight {o.SyntheticWeight:G3})" : ""));
                var start = trained;
                trained = null; // the trainer owns it now
                var (regressor, history) = await Bar(context, "training", o.Batches, BatchProgress, report =>
                    trainer.Train(data, path, o, report, ct, start, set));
                trained = regressor;
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
        finally
        {
            trained?.Dispose();
            set?.Dispose();
        }

        return 0;
    }

    /// <summary>Runs <paramref name="work"/> under a progress bar of <paramref name="total"/> steps; each report it
    /// makes moves the bar through <paramref name="show"/>.</summary>
    private static async Task<T> Bar<T, TReport>(CliContext context, string name, int total, Action<ProgressTask, TReport> show, Func<Action<TReport>, T> work)
    {
        T result = default!;
        await context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(progress =>
            {
                var task = progress.AddTask(name, maxValue: total);
                result = work(r => show(task, r));
                return Task.CompletedTask;
            });
        return result;
    }

    /// <summary>A training batch on the bar: its number and loss.</summary>
    private static readonly Action<ProgressTask, OptimisationProgress<ParameterRegressor>> BatchProgress = (task, p) =>
    {
        task.Description = $"batch {p.Iteration}/{p.StageIterations} loss {p.Losses["total"]:F4}";
        task.Value = p.Iteration;
    };
}
