using System.CommandLine;
using FaceClip.Core.Expression;
using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using Spectre.Console;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip transfer &lt;image | params.json&gt; --prompt TEXT [--prompt ...] --out DIR</c>: change the
/// expression by text, keeping the person.</summary>
public static class TransferCommand
{
    public static Command Build(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "A photo (reconstructed first) or a params.json from faceclip reconstruct." };
        var prompts = new Option<string[]>("--prompt") { Description = "The expression to give the face, e.g. \"a big smile\" (repeat for several).", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for one subfolder per prompt (meshes, renders, codes, losses).", Required = true };
        var iterations = new Option<int?>("--iterations") { Description = "Mapper optimisation steps (default 120; 0 with --mapper applies it as it is)." };
        var critic = CommonOptions.Critic("auto (CLIP when installed, else the embedded expression critic), clip or face.");
        var photo = new Option<FileInfo?>("--photo") { Description = "The photo params.json was fitted to (default: the file it names, beside it)." };
        var face = new Option<int?>("--face") { Description = "Which detected face when reconstructing (0-based; default: the largest)." };
        var mapper = new Option<FileInfo?>("--mapper") { Description = "Start from a saved mapper (safetensors)." };
        var saveMapper = new Option<FileInfo?>("--save-mapper") { Description = "Save the optimised mapper (safetensors)." };
        var device = CommonOptions.Device();
        var weights = new Option<string[]>("--weight") { Description = "Override a loss weight: critic, delta, sparsity, symmetry, range, e.g. --weight delta=0.1." };
        var command = new Command("transfer", "Change a face's expression by text (one subfolder per prompt: mesh.obj/.mtl/texture.png and mesh-obj.zip, mesh.ply, mesh.glb, render.png, overlay.png, codes.json, losses.json).")
        {
            input, prompts, output, iterations, critic, photo, face, mapper, saveMapper, device, weights,
        };
        command.SetAction((parse, ct) =>
        {
            var options = new TransferOptions { Critic = parse.GetValue(critic) };
            if (parse.GetValue(iterations) is { } n)
            {
                options.Iterations = n;
            }

            foreach (var w in parse.GetValue(weights) ?? [])
            {
                ApplyWeight(options, w);
            }

            return RunAsync(context, parse.GetValue(input)!, parse.GetValue(prompts)!, parse.GetValue(output)!, options, parse.GetValue(photo), parse.GetValue(face),
                parse.GetValue(mapper), parse.GetValue(saveMapper), parse.GetValue(device)!, ct);
        });
        return command;
    }

    internal static void ApplyWeight(TransferOptions options, string assignment)
    {
        var parts = assignment.Split('=', 2);
        if (parts.Length != 2 || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new CliUserException($"--weight expects name=value with a non-negative number, got '{assignment}'.");
        }

        switch (parts[0].Trim().ToLowerInvariant())
        {
            case "critic": options.CriticWeight = value; break;
            case "delta": options.DeltaWeight = value; break;
            case "sparsity": options.SparsityWeight = value; break;
            case "symmetry": options.SymmetryWeight = value; break;
            case "range": options.RangeWeight = value; break;
            case "lr" or "learning-rate": options.LearningRate = value; break;
            case "photo-texture": options.CriticTexture = value > 0 ? CriticTexture.Photo : CriticTexture.Albedo; break;
            case "fitted-view": options.FittedView = value > 0; break;
            case "model-eyes": options.ModelEyes = value > 0; break;
            case "upper-face": options.CriticTexture = value > 0 ? CriticTexture.UpperFace : CriticTexture.Albedo; break;
            case "body-rate": options.BodyRate = value; break;
            case "jitter": options.ViewJitter = value; break;
            case "views" when value == Math.Floor(value): options.Views = (int)value; break;
            case "views": throw new CliUserException($"views must be a whole number, got '{parts[1]}'.");
            case "pitch-jitter": options.PitchJitter = value; break;
            case "light-flip": options.LightFlip = value; break;
            case "crop-jitter": options.CropJitter = value; break;
            case "seed" when value == Math.Floor(value): options.Seed = (long)value; break;
            case "seed": throw new CliUserException($"seed must be a whole number, got '{parts[1]}'.");
            case "prototype": options.PrototypeWeight = value; break;
            case "prototype-level": options.PrototypeLevel = value; break;
            case "off-prototype": options.OffPrototypeFactor = value; break;
            case "on-prototype": options.OnPrototypeFactor = value; break;
            case "antagonist": options.AntagonistWeight = value; break;
            case "warm-start": options.WarmStart = value > 0; break;
            case "identity": options.IdentityWeight = value; break;
            case "identity-margin": options.IdentityMargin = value; break;
            default: throw new CliUserException($"Unknown loss '{parts[0]}': expected critic, delta, sparsity, symmetry, range, lr, body-rate, views, jitter, pitch-jitter, light-flip, crop-jitter, seed, prototype, prototype-level, off-prototype, on-prototype, antagonist, warm-start, identity, identity-margin, fitted-view, model-eyes, upper-face or photo-texture.");
        }
    }

    private static async Task<int> RunAsync(CliContext context, FileInfo input, string[] prompts, DirectoryInfo output, TransferOptions options, FileInfo? photo,
        int? faceIndex, FileInfo? mapperFile, FileInfo? saveMapper, string deviceName, CancellationToken ct)
    {
        if (!input.Exists)
        {
            throw new CliUserException($"Cannot read '{input.FullName}': no such file.");
        }

        if (mapperFile is { Exists: false })
        {
            throw new CliUserException($"Cannot read the mapper '{mapperFile.FullName}': no such file.");
        }

        // Read the prompts before any heavy work when the embedded critic will run.
        if (PromptReader.Shared.FirstUnreadable(prompts, options.Critic, context.Store.GetStatus("clip").Found) is { } unreadable)
        {
            throw new CliUserException(unreadable);
        }

        var compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceName });
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        using var transfer = new ExpressionTransfer(reconstructor.Model, reconstructor.Faces, ExpressionTransfer.ClipCriticFactory(context.Store, compute.Device));
        var isParams = input.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase);
        TransferSubject subject;
        try
        {
            subject = isParams
                ? TransferSubject.FromParamsJson(input.FullName, reconstructor.Model.Data.ExpressionNames, reconstructor.Model.Layout, photo?.FullName)
                : await ReconstructAsync(context, reconstructor, input, faceIndex, ct);
        }
        catch (Exception ex) when (ex is ReconstructionException or FaceImageException or InvalidDataException)
        {
            throw new CliUserException(ex.Message);
        }

        using (subject)
        {
            using var loaded = mapperFile is null ? null : ExpressionMapper.Load(mapperFile.FullName);
            TransferResult? result = null;
            try
            {
                await context.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask("transfer", maxValue: 1);
                        await foreach (var p in transfer.RunAsync(subject, prompts, options, loaded, ct))
                        {
                            task.Description = $"{p.Stage.Name()} {p.Iteration}/{p.StageIterations} loss {p.Losses.GetValueOrDefault("total"):F4}";
                            task.Value = p.Fraction;
                            result = p.Result ?? result;
                        }
                    });
            }
            catch (ExpressionPromptException ex)
            {
                throw new CliUserException(ex.Message);
            }
            catch (ArgumentException ex) when (loaded is not null)
            {
                throw new CliUserException(ex.Message);
            }

            using var done = result ?? throw new InvalidOperationException("The transfer ended without a result.");
            var files = TransferWriter.Write(done, reconstructor.Model, output.FullName);
            var saved = new List<string>();
            if (saveMapper is not null)
            {
                // One mapper per prompt: FILE for a single prompt, else FILE with the prompt's slug before the extension.
                for (var k = 0; k < done.Prompts.Count; k++)
                {
                    var path = MapperPath(saveMapper, done.Prompts[k].Slug, done.Prompts.Count);
                    done.Mappers[k].Save(path);
                    saved.Add(path);
                }
            }

            context.Output.WriteLine($"critic {done.Critic.Name()}: {done.CriticDescription}; device {done.Device}; {done.Iterations} iterations, {done.Timings["total"]:F1} s");
            context.Output.WriteLine($"subject: {FormatProbabilities(done.SourceProbabilities)}");
            foreach (var p in done.Prompts)
            {
                var target = p.Target is null ? string.Empty : $" (read as {p.Target.Describe()})";
                context.Output.WriteLine($"\"{p.Prompt}\"{target} -> {p.Slug}/: {FormatProbabilities(p.Probabilities)}; held-out view {new FaceExpressions(p.HeldOutProbabilities).Dominant}; " +
                                         $"identity distance {p.IdentityDistance:F3}; mean |Δβ| {p.MeanAbsoluteDelta:F3}");
            }

            context.Output.WriteLine($"wrote {files.Count} files to {output.FullName}{(saved.Count == 0 ? string.Empty : $"; mapper(s) saved to {string.Join(", ", saved)}")}");
        }

        return 0;
    }

    /// <summary>Where the mapper of a prompt is saved or read: <paramref name="file"/> itself when there is one prompt,
    /// else the file with the prompt's slug before its extension (<c>mapper.a-big-smile.safetensors</c>).</summary>
    internal static string MapperPath(FileInfo file, string slug, int prompts) =>
        prompts == 1 ? file.FullName : Path.Combine(file.DirectoryName!, $"{Path.GetFileNameWithoutExtension(file.Name)}.{slug}{file.Extension}");

    internal static string FormatProbabilities(IReadOnlyList<float> p)
    {
        var e = new FaceExpressions(p);
        return $"{e.Dominant} {p.Max():F2} (" + string.Join(", ", FaceExpressions.Names.Select((n, i) => $"{n} {p[i]:F2}")) + ")";
    }

    private static async Task<TransferSubject> ReconstructAsync(CliContext context, Reconstructor reconstructor, FileInfo image, int? faceIndex, CancellationToken ct)
    {
        var options = new ReconstructionOptions { FaceIndex = faceIndex, TextureSize = 512, PreviewEvery = 0 };
        ReconstructionResult? result = null;
        await context.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("reconstructing", maxValue: 1);
                await foreach (var p in reconstructor.RunAsync(image.FullName, options, ct))
                {
                    task.Description = $"reconstruct {p.Stage.Name()} {p.Iteration}/{p.StageIterations}";
                    task.Value = p.Fraction;
                    result = p.Result ?? result;
                }
            });
        using var fitted = result ?? throw new InvalidOperationException("The fit ended without a result.");
        return TransferSubject.FromReconstruction(fitted, FaceImage.Load(image.FullName), image.Name);
    }
}
