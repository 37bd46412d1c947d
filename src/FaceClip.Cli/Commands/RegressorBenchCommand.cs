using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench regressor</c>: the parameter regressor's inference time, the ablation of its refinement
/// branches (loss over the faces after N training batches with and without them, same seed and batches), and the fit
/// iterations a regressor start needs to reach a cold start's quality.</summary>
public static class RegressorBenchCommand
{
    public static Command Build(CliContext context)
    {
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of photos (default: face-api's sample1..6.jpg)." };
        var batches = new Option<int>("--batches") { Description = "Training batches per ablation arm.", DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int>("--batch-size") { Description = "Faces per training batch.", DefaultValueFactory = _ => 4 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 2e-4 };
        var cropSize = new Option<int>("--crop-size") { Description = "Training crop side.", DefaultValueFactory = _ => 112 };
        var runs = new Option<int>("--runs") { Description = "Timed inference runs (median reported).", DefaultValueFactory = _ => 10 };
        var regressor = new Option<FileInfo?>("--regressor") { Description = "Trained weights for the fit comparison (default: the ablation's model with branches)." };
        var fits = new Option<int>("--fits") { Description = "Faces fitted in the iteration comparison (0: skip it).", DefaultValueFactory = _ => 3 };
        var fractions = new Option<string>("--fractions") { Description = "Fractions of the default iterations tried from the regressor start.", DefaultValueFactory = _ => "0,0.25,0.5,1" };
        var skipAblation = new Option<bool>("--skip-ablation") { Description = "Only time inference (and fit with --regressor)." };
        var command = new Command("regressor", "Parameter regressor: inference time, refinement-branch ablation, fit iterations saved.")
        {
            images, batches, batchSize, lr, cropSize, runs, regressor, fits, fractions, skipAblation,
        };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(images), parse.GetValue(batches), parse.GetValue(batchSize), parse.GetValue(lr),
            parse.GetValue(cropSize), parse.GetValue(runs), parse.GetValue(regressor), parse.GetValue(fits), parse.GetValue(fractions)!, parse.GetValue(skipAblation), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo? folder, int batches, int batchSize, double lr, int cropSize, int runs,
        FileInfo? weights, int fits, string fractionList, bool skipAblation, CancellationToken ct)
    {
        var fractions = fractionList.Split(',').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var directory = folder?.FullName ?? context.SamplePhotosFolder;
        var files = context.BenchPhotos(folder);
        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        reconstructor.Regressor?.Dispose();
        reconstructor.Regressor = null;
        var fitDefaults = new ReconstructionOptions();
        using var data = FaceCropDataset.Build(reconstructor.Faces, files, fitDefaults.CropSize, fitDefaults.CropScale, fitDefaults.MinimumFaceSize, context.Store.CacheDirectory);
        var o = context.Output;
        o.WriteLine($"device {compute.Description}; {data.Count} faces from {files.Count} photos in {directory}");

        // 1. Inference time.
        foreach (var branches in new[] { true, false })
        {
            using var net = new ParameterRegressor(reconstructor.Faces.RecognitionNet, reconstructor.Model.Layout, new RegressorConfig { RefinementBranches = branches });
            net.to(compute.Device).eval();
            foreach (var batch in new[] { 1, 16 })
            {
                var (trunk, head) = Time(net, data, batch, runs, compute.Device);
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"inference {(branches ? "with branches" : "no branches  ")} batch {batch,2}: {trunk + head,7:F1} ms median (trunk {trunk:F1} ms, branches+head {head:F1} ms); {net.ParameterCount:N0} trainable parameters"));
            }
        }

        // 2. Ablation.
        ParameterRegressor? withBranches = null;
        if (!skipAblation)
        {
            var trainer = new RegressorTrainer(reconstructor);
            var results = new List<(bool Branches, Dictionary<string, double> Before, Dictionary<string, double> After, double Seconds, IReadOnlyList<OptimisationProgress<ParameterRegressor>> History)>();
            foreach (var branches in new[] { true, false })
            {
                var options = new RegressorTrainingOptions
                {
                    Batches = batches, BatchSize = batchSize, LearningRate = lr, CropSize = cropSize, CheckpointEvery = 0, Seed = 1,
                    Network = new RegressorConfig { RefinementBranches = branches },
                };
                var model = reconstructor.Model;
                using var topology = model.CreateFittingTopology();
                using var loss = new ReconstructionLoss(model, topology, reconstructor.Faces.RecognitionNet, ReconstructionLoss.CropCamera(cropSize), options.Losses);
                var clock = Stopwatch.StartNew();
                var (trained, history) = trainer.Train(data, null, options, p => o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {(branches ? "branches" : "ablation")} batch {p.Iteration}/{p.StageIterations}: loss {p.Losses["total"]:F4} (landmarks {p.Losses["landmarks"]:F4}, photo {p.Losses["photo"]:F4})")), ct);
                var seconds = clock.Elapsed.TotalSeconds;
                using var untrained = new ParameterRegressor(reconstructor.Faces.RecognitionNet, model.Layout, options.Network);
                untrained.to(compute.Device);
                untrained.SetTranslationBase(trained.TranslationBase);
                var before = RegressorTrainer.Evaluate(untrained, loss, data);
                var after = RegressorTrainer.Evaluate(trained, loss, data);
                results.Add((branches, before, after, seconds, history));
                if (branches)
                {
                    withBranches = trained;
                }
                else
                {
                    trained.Dispose();
                }
            }

            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ablation: {batches} batches of {batchSize}, lr {lr:G3}, crops {cropSize} px, same seed and batches; loss over all {data.Count} faces (training faces: no held-out set)"));
            o.WriteLine($"{"arm",-14} {"before",8} {"after",8} {"landmarks",10} {"photo",8} {"identity",9} {"consist.",9} {"last-3 batches",15} {"seconds",8}");
            foreach (var r in results)
            {
                var tail = Statistics.Mean(r.History.TakeLast(3).Select(h => h.Losses["total"]));
                o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(r.Branches ? "with branches" : "no branches"),-14} {r.Before["total"],8:F4} {r.After["total"],8:F4} {r.After["landmarks"],10:F4} {r.After["photo"],8:F4} {r.After["identity"],9:F4} {r.After["consistency"],9:F4} {tail,15:F4} {r.Seconds,8:F1}"));
            }
        }

        // 3. Fit iterations from the regressor start versus a cold start.
        if (weights is not null)
        {
            withBranches?.Dispose();
            withBranches = ParameterRegressor.Load(weights.FullName, reconstructor.Faces.RecognitionNet, reconstructor.Model.Layout, compute.Device);
        }

        if (fits > 0 && withBranches is not null)
        {
            reconstructor.Regressor = withBranches;
            var faces = data.Names.Take(fits).ToList();
            o.WriteLine($"fits: {string.Join(", ", faces)}; default iterations {Stages(FitInitialiser.Landmarks)} from landmarks, {Stages(FitInitialiser.Regressor)} from the regressor; face critic");
            o.WriteLine($"{"start",-10} {"fraction",8} {"iters",6} {"NME",8} {"photo",8} {"desc",7} {"seconds",8}");
            var cold = await Fit(reconstructor, directory, faces, "landmarks", 1, ct);
            Print(o, "landmarks", 1, cold);
            var reached = new List<string>();
            foreach (var f in fractions)
            {
                if (f < 1)
                {
                    Print(o, "landmarks", f, await Fit(reconstructor, directory, faces, "landmarks", f, ct));
                }

                var warm = await Fit(reconstructor, directory, faces, "regressor", f, ct);
                Print(o, "regressor", f, warm);
                if (RelativeChange.IsWithin(warm.Nme, cold.Nme, 0.05) && RelativeChange.IsWithin(warm.Photo, cold.Photo, 0.05))
                {
                    reached.Add(f.ToString("F2", CultureInfo.InvariantCulture));
                }
            }

            o.WriteLine(reached.Count > 0
                ? $"regressor start within 5% of the cold start's NME and photometric error at fraction(s) {string.Join(", ", reached)}"
                : "the regressor start did not reach the cold start's NME and photometric error (within 5%) at any fraction tried");
        }

        withBranches?.Dispose();
        reconstructor.Regressor = null;
        return 0;
    }

    private static void Print(TextWriter o, string start, double fraction, (double Nme, double Photo, double Desc, int Iterations, double Seconds) r) =>
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{start,-10} {fraction,8:F2} {r.Iterations,6} {r.Nme,8:F4} {r.Photo,8:F4} {r.Desc,7:F3} {r.Seconds,8:F1}"));

    private static async Task<(double Nme, double Photo, double Desc, int Iterations, double Seconds)> Fit(Reconstructor reconstructor, string directory,
        IReadOnlyList<string> faces, string initialiser, double fraction, CancellationToken ct)
    {
        var defaults = new ReconstructionOptions { Initialiser = FitInitialisers.Parse(initialiser) }.ScheduleFor(regressorInstalled: true);
        var (nme, photo, desc, seconds) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        var iterations = 0;
        foreach (var name in faces)
        {
            var parts = name.Split('#');
            var options = new ReconstructionOptions
            {
                FaceIndex = int.Parse(parts[1], CultureInfo.InvariantCulture),
                Critic = CriticChoice.Face,
                Initialiser = FitInitialisers.Parse(initialiser),
                PoseIterations = (int)Math.Round(defaults.Pose * fraction),
                ShapeIterations = (int)Math.Round(defaults.Shape * fraction),
                Iterations = (int)Math.Round(defaults.Full * fraction),
                PreviewEvery = 0,
                TextureSize = 64,
            };
            iterations = reconstructor.ScheduleOf(options).Total;
            var clock = Stopwatch.StartNew();
            using var result = await reconstructor.ReconstructAsync(Path.Combine(directory, parts[0]), options, cancellationToken: ct);
            seconds.Add(clock.Elapsed.TotalSeconds);
            nme.Add(result.Quality.LandmarkNme);
            photo.Add(result.Quality.PhotometricError);
            desc.Add(result.Quality.DescriptorDistance);
        }

        return (Statistics.Mean(nme), Statistics.Mean(photo), Statistics.Mean(desc), iterations, Statistics.Mean(seconds));
    }

    private static (double Trunk, double Head) Time(ParameterRegressor net, FaceCropDataset data, int batch, int runs, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var subset = data.Subset(Enumerable.Range(0, batch).Select(i => i % data.Count).ToArray());
        var (images, _) = subset.All(data.CropSize, device);
        var trunk = new List<double>();
        var head = new List<double>();
        for (var r = 0; r <= runs; r++)
        {
            using var step = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var coarse = net.Coarse(images);
            _ = coarse.sum().item<float>();
            var t = clock.Elapsed.TotalMilliseconds;
            _ = net.Predict(coarse).sum().item<float>();
            if (r > 0)
            {
                trunk.Add(t);
                head.Add(clock.Elapsed.TotalMilliseconds - t);
            }
        }

        return (Statistics.Median(trunk), Statistics.Median(head));
    }

    private static string Stages(FitInitialiser start)
    {
        var s = new ReconstructionOptions { Initialiser = start }.ScheduleFor(regressorInstalled: true);
        return $"{s.Pose}+{s.Shape}+{s.Full}";
    }
}
