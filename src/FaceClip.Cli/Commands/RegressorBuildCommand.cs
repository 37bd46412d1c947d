using System.CommandLine;
using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip models build-regressor</c>: the shipped regressor's recipe as one command: a synthetic corpus of
/// <c>--faces</c> faces from <c>--seed</c> (what <c>faceclip synth</c> writes), then supervised training on it with
/// <c>faceclip train --synthetic</c>'s defaults and the same seed. The shipped weights
/// (<c>models/regressor/regressor.safetensors</c>) are this command's output at its defaults.</summary>
public static class RegressorBuildCommand
{
    /// <summary>The seed of the shipped regressor's corpus and training: away from the benchmarks' seeds (1 to 3) and
    /// the dense map's (1000, 1001), so no benchmark face is a training face.</summary>
    public const int DefaultSeed = 2000;

    /// <summary>Faces in the shipped regressor's corpus.</summary>
    public const int DefaultFaces = 10000;

    /// <summary>Supervised batches of the shipped regressor: <c>train --synthetic</c>'s default.</summary>
    private static readonly int DefaultBatches = new RegressorTrainingOptions().SyntheticBatches;

    public static Command Build(CliContext context)
    {
        var seed = new Option<int>("--seed") { Description = "Seed of the corpus and of the training.", DefaultValueFactory = _ => DefaultSeed };
        var faces = new Option<int>("--faces") { Description = "Faces in the synthetic corpus.", DefaultValueFactory = _ => DefaultFaces };
        var batches = new Option<int>("--batches") { Description = "Supervised batches (as train --synthetic-batches).", DefaultValueFactory = _ => DefaultBatches };
        var corpus = new Option<DirectoryInfo?>("--corpus") { Description = "Where the corpus is written, and continued when run again (default: models/.cache/regressor-corpus-SEED)." };
        var output = new Option<FileInfo?>("--out") { Description = "Weights to write (default: models/regressor.safetensors, which fits then start from in place of the shipped ones)." };
        var device = CommonOptions.Device();
        var command = new Command("build-regressor", "Make the shipped parameter regressor again: a synthetic corpus from a seed, then supervised training on it.")
        {
            seed, faces, batches, corpus, output, device,
        };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(seed), parse.GetValue(faces), parse.GetValue(batches), parse.GetValue(corpus), parse.GetValue(output),
            parse.GetValue(device)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, int seed, int faces, int batches, DirectoryInfo? corpus, FileInfo? output, string device, CancellationToken ct)
    {
        if (faces < 2 || batches < 1)
        {
            throw new CliUserException("--faces must be at least 2 and --batches at least 1.");
        }

        var folder = corpus ?? new DirectoryInfo(Path.Combine(context.Store.CacheDirectory, $"regressor-corpus-{seed}"));
        var weights = output ?? new FileInfo(Reconstructor.RegressorPath(context.Store));
        context.Output.WriteLine($"corpus: {faces} synthetic faces of seed {seed} in {folder.FullName}");
        var code = SynthCommand.Run(context, folder, faces, seed, SyntheticScene.Corpus, supersampling: SynthCommand.DefaultSupersampling, threads: null, backgroundFolder: null, sheet: null, ct);
        if (code != 0)
        {
            return code;
        }

        var o = new RegressorTrainingOptions { Seed = seed, SyntheticBatches = batches };
        code = await TrainCommand.RunAsync(context, images: null, folder, syntheticLimit: null, weights, o, device, ct);
        if (code != 0)
        {
            return code;
        }

        var shipped = context.Store.Manifest.Find(Reconstructor.RegressorAsset)?.Files.FirstOrDefault(f => f.Path == Reconstructor.RegressorFileName)?.Sha256;
        var sha = FileVerifier.ComputeSha256(weights.FullName, FileCheck.Bytes);
        var recipe = seed == DefaultSeed && faces == DefaultFaces && batches == DefaultBatches;
        context.Output.WriteLine($"sha256 {sha}" + (shipped is null ? string.Empty
            : sha.Equals(shipped, StringComparison.OrdinalIgnoreCase) ? " (the shipped weights, byte for byte)"
            : recipe ? $" (the shipped weights are {shipped}: on another CPU or thread count LibTorch may round differently; compare the figures of bench synthetic and bench landmarks)"
            : $" (the shipped weights are {shipped}, made with --seed {DefaultSeed} --faces {DefaultFaces})"));
        return 0;
    }
}
