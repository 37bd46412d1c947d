using System.Diagnostics;
using System.Globalization;
using FaceClip.Core.Geometry;
using FaceClip.Core.IO;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// Self-supervised training of the <see cref="ParameterRegressor"/> on cached face crops: each batch is augmented,
/// the regressor predicts codes, and the fitter's full reconstruction loss (<see cref="ReconstructionLoss"/>:
/// photometric, landmarks, identity, the face-recognition feature-consistency critic, regularisation) is
/// back-propagated through the renderer into the refinement branches and the head (the trunk stays frozen).
/// Adam with a step decay; a CSV loss log; checkpoints (weights plus the batch reached) to resume from.
/// </summary>
public sealed class RegressorTrainer
{
    private static readonly string[] Terms = ["photo", "landmarks", "identity", "consistency", "regularization", "lighting", "synthetic", "total"];
    private readonly Reconstructor _reconstructor;

    public RegressorTrainer(Reconstructor reconstructor)
    {
        _reconstructor = reconstructor ?? throw new ArgumentNullException(nameof(reconstructor));
    }

    /// <summary>The checkpoint written beside an output file.</summary>
    public static string CheckpointPath(string output) => output + ".checkpoint";

    /// <summary>The <c>phase</c> metadata of the supervised phase's checkpoints (a self-supervised one has none).</summary>
    private const string SupervisedPhase = "synthetic";

    /// <summary>The CSV loss log written beside an output file.</summary>
    public static string LogPath(string output) => Path.ChangeExtension(output, ".log.csv");

    /// <summary>Trains a regressor (new, or resumed from the checkpoint) on <paramref name="data"/> and writes it to
    /// <paramref name="output"/>. Returns the trained regressor (the caller owns it) and each batch's losses.</summary>
    /// <param name="start">Continue from this regressor (trained on a synthetic corpus first) instead of new weights;
    /// the trainer then owns it.</param>
    /// <param name="synthetic">Mix: each batch also adds the supervised loss of a batch of this corpus (weight
    /// <see cref="RegressorTrainingOptions.SyntheticWeight"/>).</param>
    public (ParameterRegressor Regressor, IReadOnlyList<OptimisationProgress<ParameterRegressor>> History) Train(FaceCropDataset data, string? output, RegressorTrainingOptions o,
        Action<OptimisationProgress<ParameterRegressor>>? report = null, CancellationToken ct = default, ParameterRegressor? start = null, SyntheticTrainingSet? synthetic = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        o.Validate();
        var model = _reconstructor.Model;
        var device = model.Device;
        var regressor = start ?? NewRegressor(o);
        var first = 1;
        var checkpoint = output is null ? null : CheckpointPath(output);
        if (o.Resume && checkpoint is not null && File.Exists(checkpoint))
        {
            regressor.Dispose();
            regressor = ParameterRegressor.Load(checkpoint, _reconstructor.Faces.RecognitionNet, model.Layout, out var meta, device);
            if (meta.GetValueOrDefault("phase") == SupervisedPhase)
            {
                regressor.Dispose();
                throw new InvalidDataException($"{checkpoint} is a checkpoint of the supervised batches on a synthetic corpus, not of the self-supervised ones.");
            }

            first = int.Parse(meta["batch"], CultureInfo.InvariantCulture) + 1;
        }
        else if (start is null)
        {
            regressor.SetTranslationBase(TypicalTranslation(data, o.CropSize));
        }

        var camera = ReconstructionLoss.CropCamera(o.CropSize);
        using var topology = model.CreateFittingTopology();
        using var loss = new ReconstructionLoss(model, topology, _reconstructor.Faces.RecognitionNet, camera, o.Losses);
        var parameters = regressor.parameters().ToList();
        using var optimizer = optim.Adam(parameters, o.LearningRate);
        var random = new Random(o.Seed + first);
        var history = new List<OptimisationProgress<ParameterRegressor>>();
        var clock = Stopwatch.StartNew();
        var log = output is null ? null : LogPath(output);
        if (log is not null && (first == 1 || !File.Exists(log)))
        {
            File.WriteAllText(log, "batch,learning_rate," + string.Join(',', Terms) + ",seconds\n");
        }

        regressor.train();
        var loop = new OptimisationLoop(optimizer);
        loop.Run(o.Batches - first + 1, step =>
        {
            var batch = first + step - 1;
            loop.SetLearningRate(Rate(o, batch));
            var (photo, landmarks) = Sample(data, o, random, device);
            var real = Loss(regressor, loss, photo, landmarks);
            if (synthetic is null || o.SyntheticWeight == 0)
            {
                return real;
            }

            using var ids = SyntheticBatch(synthetic, o, random, device);
            var supervised = synthetic.Loss(regressor, ids);
            var terms = new Dictionary<string, Tensor>(real.Terms) { ["synthetic"] = supervised.Total * o.SyntheticWeight };
            return new ReconstructionTerms(real.Total + terms["synthetic"], terms, real.Composite);
        }, (step, terms, _) =>
        {
            var batch = first + step - 1;
            var progress = Record(batch, o.Batches, terms.Values(), Rate(o, batch), clock.Elapsed, loop.SkippedSteps, log, Terms);
            history.Add(progress);
            report?.Invoke(progress);
            if (checkpoint is not null && ((o.CheckpointEvery > 0 && batch % o.CheckpointEvery == 0) || batch == o.Batches))
            {
                regressor.Save(checkpoint, Metadata(batch, o));
            }
        }, ct);

        regressor.eval();
        if (output is not null)
        {
            regressor.Save(output, Metadata(o.Batches, o));
        }

        return (regressor, history);
    }

    /// <summary>A new regressor with the reproducible initial weights of <paramref name="o"/>'s seed, on the model's device.</summary>
    public ParameterRegressor NewRegressor(RegressorTrainingOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        ParameterRegressor regressor;
        using (var generator = new Generator((ulong)o.Seed))
        {
            regressor = new ParameterRegressor(_reconstructor.Faces.RecognitionNet, _reconstructor.Model.Layout, o.Network, generator);
        }

        regressor.to(_reconstructor.Model.Device);
        return regressor;
    }

    /// <summary>
    /// Supervised training on a synthetic corpus (<see cref="SyntheticTrainingSet"/>): batches drawn from all but the
    /// held-out faces (the last <see cref="RegressorTrainingOptions.SyntheticHeldOut"/> of them), Adam with a step decay,
    /// the same CSV log as <see cref="Train"/>, a checkpoint every <see cref="RegressorTrainingOptions.SyntheticCheckpointEvery"/>
    /// batches, which <see cref="RegressorTrainingOptions.Resume"/> continues from (with the batches an unbroken run
    /// would draw; Adam's moments restart). Returns the regressor (the caller owns it), each batch's
    /// losses, and the held-out faces' losses before and after training.
    /// </summary>
    public (ParameterRegressor Regressor, IReadOnlyList<OptimisationProgress<ParameterRegressor>> History, Dictionary<string, double> Before, Dictionary<string, double> After)
        TrainSynthetic(ParameterRegressor regressor, SyntheticTrainingSet set, string? output, RegressorTrainingOptions o, Action<OptimisationProgress<ParameterRegressor>>? report = null,
            CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(regressor);
        ArgumentNullException.ThrowIfNull(set);
        o.Validate();
        var device = _reconstructor.Model.Device;
        var training = TrainingFaces(set, o);
        var heldOut = set.Count - training;
        if (training < 1)
        {
            throw new ArgumentException($"The corpus' {set.Count} faces leave none to train on after holding out {heldOut}.");
        }

        regressor.SetTranslationBase(set.TypicalTranslation(_reconstructor));
        var first = 1;
        var checkpoint = output is null ? null : CheckpointPath(output);
        if (o.Resume && checkpoint is not null && File.Exists(checkpoint))
        {
            var meta = regressor.LoadWeights(checkpoint);
            if (meta.GetValueOrDefault("phase") != SupervisedPhase)
            {
                throw new InvalidDataException($"{checkpoint} is not a checkpoint of the supervised batches on a synthetic corpus.");
            }

            first = Math.Min(int.Parse(meta["batch"], CultureInfo.InvariantCulture), o.SyntheticBatches) + 1;
        }

        using var heldIds = heldOut > 0 ? arange(training, set.Count, dtype: ScalarType.Int64, device: device) : null;
        var before = heldIds is null ? new Dictionary<string, double>() : Evaluate(regressor, set, heldIds);
        using var optimizer = optim.Adam(regressor.parameters().ToList(), o.SyntheticLearningRate);
        // The batches of an unbroken run: a resumed one skips the draws of the batches already done.
        var random = new Random(o.Seed);
        for (long i = 0; i < (long)(first - 1) * o.SyntheticBatchSize; i++)
        {
            random.Next(training);
        }

        var history = new List<OptimisationProgress<ParameterRegressor>>();
        var clock = Stopwatch.StartNew();
        var log = output is null ? null : LogPath(output);
        string[] columns = ["points", "vertices", "shape", "expression", "total"];
        if (log is not null && (first == 1 || !File.Exists(log)))
        {
            File.WriteAllText(log, "batch,learning_rate," + string.Join(',', columns) + ",seconds\n");
        }

        double Rate(int batch) => o.SyntheticLearningRate * Math.Pow(o.SyntheticDecay, (batch - 1) / o.SyntheticDecayEvery);
        regressor.train();
        var loop = new OptimisationLoop(optimizer);
        loop.Run(o.SyntheticBatches - first + 1, step =>
        {
            var batch = first + step - 1;
            loop.SetLearningRate(Rate(batch));
            using var ids = tensor(Enumerable.Range(0, o.SyntheticBatchSize).Select(_ => (long)random.Next(training)).ToArray(), device: device);
            return set.Loss(regressor, ids);
        }, (step, terms, _) =>
        {
            var batch = first + step - 1;
            var progress = Record(batch, o.SyntheticBatches, terms.Values(), Rate(batch), clock.Elapsed, loop.SkippedSteps, log, columns);
            history.Add(progress);
            report?.Invoke(progress);
            if (checkpoint is not null && ((o.SyntheticCheckpointEvery > 0 && batch % o.SyntheticCheckpointEvery == 0) || batch == o.SyntheticBatches))
            {
                regressor.Save(checkpoint, new Dictionary<string, string>(Metadata(batch, o)) { ["phase"] = SupervisedPhase });
            }
        }, ct);

        regressor.eval();
        var after = heldIds is null ? new Dictionary<string, double>() : Evaluate(regressor, set, heldIds);
        return (regressor, history, before, after);
    }

    /// <summary>One batch's progress, appended to the CSV log when there is one (the columns in order; a missing
    /// one is left empty).</summary>
    private static OptimisationProgress<ParameterRegressor> Record(int batch, int batches, Dictionary<string, double> values, double rate, TimeSpan elapsed, int skipped,
        string? log, string[] columns)
    {
        if (log is not null)
        {
            File.AppendAllText(log, string.Create(CultureInfo.InvariantCulture,
                $"{batch},{rate:G6},{string.Join(',', columns.Select(t => values.TryGetValue(t, out var v) ? v.ToString("G6", CultureInfo.InvariantCulture) : ""))},{elapsed.TotalSeconds:F2}\n"));
        }

        return new OptimisationProgress<ParameterRegressor>
        {
            Stage = OptimisationStage.RegressorTraining,
            Iteration = batch,
            StageIterations = batches,
            Fraction = batch / (double)batches,
            Elapsed = elapsed,
            Losses = values,
            LearningRate = rate,
            SkippedSteps = skipped,
        };
    }

    /// <summary>The supervised losses of faces <paramref name="ids"/> (no gradient, evaluation mode), in chunks.</summary>
    public static Dictionary<string, double> Evaluate(ParameterRegressor regressor, SyntheticTrainingSet set, Tensor ids, int chunk = 256)
    {
        ArgumentNullException.ThrowIfNull(regressor);
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(ids);
        using var noGrad = no_grad();
        regressor.eval();
        var count = ids.shape[0];
        var sums = new Dictionary<string, double>();
        for (long start = 0; start < count; start += chunk)
        {
            using var scope = NewDisposeScope();
            var part = ids.narrow(0, start, Math.Min(chunk, count - start));
            var n = part.shape[0];
            foreach (var (name, value) in set.Loss(regressor, part).Values())
            {
                sums[name] = sums.GetValueOrDefault(name) + (value * n);
            }
        }

        return sums.ToDictionary(kv => kv.Key, kv => kv.Value / count);
    }

    /// <summary>How many of the corpus' faces are trained on: the first, all but the held-out share.</summary>
    private static int TrainingFaces(SyntheticTrainingSet set, RegressorTrainingOptions o) => set.Count - (int)Math.Round(set.Count * o.SyntheticHeldOut);

    /// <summary>A batch of the synthetic faces trained on (not the held-out ones).</summary>
    private static Tensor SyntheticBatch(SyntheticTrainingSet set, RegressorTrainingOptions o, Random random, Device device)
    {
        var training = Math.Max(1, TrainingFaces(set, o));
        return tensor(Enumerable.Range(0, o.BatchSize).Select(_ => (long)random.Next(training)).ToArray(), device: device);
    }

    /// <summary>The step-decayed learning rate of a batch (from 1).</summary>
    private static double Rate(RegressorTrainingOptions o, int batch) => o.LearningRate * Math.Pow(o.Decay, (batch - 1) / o.DecayEvery);

    /// <summary>The full reconstruction loss of the regressor's prediction for photo crops [B, 3, S, S] and their
    /// landmarks [B, 68, 2] (the face-recognition critic scores feature consistency).</summary>
    public static ReconstructionTerms Loss(ParameterRegressor regressor, ReconstructionLoss loss, Tensor photo, Tensor landmarks)
    {
        var codes = regressor.Layout.Split(regressor.forward(photo));
        using var critic = new FaceFeatureCritic();
        var ids = loss.InitialLandmarkIds((int)photo.shape[0]);
        var target = loss.Prepare(photo, landmarks, Detached(codes), critic);
        var cameraVertices = loss.CameraVertices(codes);
        loss.UpdateContour(cameraVertices, landmarks, ids);
        return loss.Full(codes, cameraVertices, target, critic, ids);
    }

    /// <summary>A random batch of augmented crops at the training size, [B, 3, S, S] in [0, 1], and their landmarks.</summary>
    public static (Tensor Photo, Tensor Landmarks) Sample(FaceCropDataset data, RegressorTrainingOptions o, Random random, Device device)
    {
        var indices = Enumerable.Range(0, o.BatchSize).Select(_ => random.Next(data.Count)).ToArray();
        using var batch = data.Subset(indices);
        var (images, points) = batch.All(o.CropSize, device);
        return o.Augmentation.Apply(images, points, random);
    }

    /// <summary>The loss of the regressor's predictions for every face of <paramref name="data"/> (no gradient;
    /// evaluation mode), in chunks of <paramref name="chunk"/> faces, averaged over the faces.</summary>
    public static Dictionary<string, double> Evaluate(ParameterRegressor regressor, ReconstructionLoss loss, FaceCropDataset data, int chunk = 8)
    {
        using var noGrad = no_grad();
        regressor.eval();
        var sums = new Dictionary<string, double>();
        for (var start = 0; start < data.Count; start += chunk)
        {
            using var scope = NewDisposeScope();
            var ids = Enumerable.Range(start, Math.Min(chunk, data.Count - start)).ToArray();
            using var part = data.Subset(ids);
            var (photo, landmarks) = part.All(loss.Camera.Width, regressor.TranslationBase.device);
            foreach (var (name, value) in Loss(regressor, loss, photo, landmarks).Values())
            {
                sums[name] = sums.GetValueOrDefault(name) + (value * ids.Length);
            }
        }

        return sums.ToDictionary(kv => kv.Key, kv => kv.Value / data.Count);
    }

    /// <summary>The mean landmark-based placement over the data (what the predicted translation is an offset from).</summary>
    private Tensor TypicalTranslation(FaceCropDataset data, int cropSize)
    {
        using var scope = NewDisposeScope();
        var camera = ReconstructionLoss.CropCamera(cropSize);
        var scale = (double)cropSize / data.CropSize;
        var all = Enumerable.Range(0, data.Count)
            .Select(i => _reconstructor.InitialTranslation(data.Landmarks.narrow(0, i, 1).to(_reconstructor.Model.Device) * scale, camera)).ToArray();
        return cat(all, 0).mean([0]).MoveToOuterDisposeScope();
    }

    private static FaceCodes Detached(FaceCodes c) =>
        new(c.Shape.detach(), c.Expression.detach(), c.Texture.detach(), c.Rotation.detach(), c.Translation.detach(), c.Lighting.detach());

    private static Dictionary<string, string> Metadata(int batch, RegressorTrainingOptions o) => new()
    {
        ["batch"] = batch.ToString(CultureInfo.InvariantCulture),
        ["batches"] = o.Batches.ToString(CultureInfo.InvariantCulture),
        ["batch_size"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["learning_rate"] = o.LearningRate.ToString("G6", CultureInfo.InvariantCulture),
        ["crop_size"] = o.CropSize.ToString(CultureInfo.InvariantCulture),
    };
}
