using System.CommandLine;
using System.Diagnostics;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Expression;
using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench transfer</c>: every sample face (largest face of each photo) x prompts; prints whether
/// the expression net's top class on the final render is the prompt's class (on the optimised view and on a held-out
/// view), whether a second judge the product never optimises against (<see cref="ExpressionJudge"/>) reads the prompt's
/// class on the user-facing render, the identity distance between the subject's own render and the new one, mean |Δβ| and seconds per prompt.</summary>
public static class TransferBenchCommand
{
    public static readonly string[] DefaultPrompts = ["happy", "sad", "angry", "surprised", "disgusted", "fearful"];

    public static Command Build(CliContext context)
    {
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of photos (default: face-api's sample1..6.jpg)." };
        var faces = new Option<int?>("--faces") { Description = "Use only the first N photos (sorted by name)." };
        var prompts = new Option<string[]>("--prompts") { Description = "Prompts (default: happy sad angry surprised disgusted fearful).", AllowMultipleArgumentsPerToken = true };
        var iterations = new Option<int?>("--iterations") { Description = "Mapper optimisation steps." };
        var critic = CommonOptions.Critic("auto, clip or face.");
        var grid = new Option<FileInfo?>("--grid") { Description = "Write a picture: one row per face, the subject then one column per prompt." };
        var weights = new Option<string[]>("--weight") { Description = "Override a loss weight, e.g. --weight delta=0.1." };
        var fits = new Option<DirectoryInfo?>("--fits")
        {
            Description = "Keep each photo's reconstruction in this folder (<photo>/params.json) and reuse it on later runs, so that runs compare transfers of the same fits.",
        };
        var mapper = new Option<FileInfo?>("--mapper")
        {
            Description = "Start every prompt from its saved mapper (faceclip train-mapper: FILE for one prompt, FILE-stem.<prompt-slug>.ext for several); with --iterations 0 they are applied as they are.",
        };
        var photoTexture = new Option<bool>("--photo-texture")
        {
            Description = "Reconstruct with the photo baked as it projects (hair, background and the photo's expression included): the baseline of the skin-only texture.",
        };
        var command = new Command("transfer", "Expression transfer success, identity distance, |Δβ| and time on sample faces x prompts.")
        {
            images, faces, prompts, iterations, critic, grid, weights, fits, mapper, photoTexture,
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
                TransferCommand.ApplyWeight(options, w);
            }

            var list = parse.GetValue(prompts) is { Length: > 0 } given ? given : DefaultPrompts;
            return RunAsync(context, parse.GetValue(images), parse.GetValue(faces), list, options, parse.GetValue(grid), parse.GetValue(fits), parse.GetValue(mapper),
                !parse.GetValue(photoTexture), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, DirectoryInfo? folder, int? faceCount, string[] prompts, TransferOptions options, FileInfo? grid,
        DirectoryInfo? fits, FileInfo? mapperFile, bool cleanTexture, CancellationToken ct)
    {
        // Success is judged with the expression net's classes whatever the critic, so every prompt must name one.
        if (PromptReader.Shared.FirstUnreadable(prompts, CriticChoice.Face, clipInstalled: false) is { } error)
        {
            throw new CliUserException($"The bench judges success with the expression net's classes, so every prompt must name one: {error}");
        }

        if (prompts.Select(PromptReader.Shared.Read).FirstOrDefault(t => !t.JudgedByCritic || t.Dominant == "neutral") is { } unjudged)
        {
            throw new CliUserException($"The bench judges success with the expression net's classes, so every prompt must name an emotion: \"{unjudged.Prompt}\" reads as {unjudged.Describe()}.");
        }

        var files = context.BenchPhotos(folder).Take(faceCount ?? int.MaxValue).ToList();
        var slugs = new List<string>();
        foreach (var prompt in prompts)
        {
            slugs.Add(ExpressionTransfer.Slug(prompt, slugs));
        }

        var mapperPaths = mapperFile is null ? null : slugs.Select(slug => TransferCommand.MapperPath(mapperFile, slug, prompts.Length)).ToList();
        if (mapperPaths?.FirstOrDefault(p => !File.Exists(p)) is { } missing)
        {
            throw new CliUserException($"Cannot read the mapper '{missing}': no such file (faceclip train-mapper writes one per prompt).");
        }

        ExpressionMapper LoadMapper(string path)
        {
            try
            {
                return ExpressionMapper.Load(path);
            }
            catch (InvalidDataException ex)
            {
                throw new CliUserException($"Cannot use the mapper '{path}': {ex.Message}");
            }
        }

        var mappers = mapperPaths?.Select(LoadMapper).ToList();
        using var mapperSet = new CompositeDisposable(mappers ?? []);
        var compute = TorchRuntime.Configure(new ComputeOptions());
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        using var transfer = new ExpressionTransfer(reconstructor.Model, reconstructor.Faces, ExpressionTransfer.ClipCriticFactory(context.Store, compute.Device));
        // The second judge: nets the product never optimises against, on the render people see (render.png).
        using var judge = ExpressionJudge.Load(context.Store, reconstructor.Faces, compute.Device, reconstructor.Dense);
        context.Output.WriteLine($"device {compute.Description}; {files.Count} photo(s) x {prompts.Length} prompt(s); {options.Iterations} iterations; " +
                                 $"texture {(cleanTexture ? "skin only (default)" : "the photo as it projects (--photo-texture)")}");
        context.Output.WriteLine($"{"face",-10} {"prompt",-12} {"top",-10} {"ok",3} {"held-out",-10} {"ok",3} {"render: 2nd",-11} {"ok",3} {"id dist",8} {"|Δβ|",6} {"s/prompt",9}");
        var rows = new List<(bool Ok, bool HeldOk, bool SecondOk, double Id, double Delta, double Seconds)>();
        var cells = new List<Image<Rgb24>>();
        var skippedSteps = 0;
        var missed = 0; // renders face-api finds no face on
        string? critic = null;
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            TransferSubject subject;
            try
            {
                subject = await SubjectAsync(reconstructor, file, fits is null ? null : Path.Combine(fits.FullName, name), cleanTexture, ct);
            }
            catch (ReconstructionException ex)
            {
                context.Output.WriteLine($"{name,-10} skipped: {ex.Message}");
                continue;
            }

            using (subject)
            {
                var clock = Stopwatch.StartNew();
                // With saved mappers each prompt is its own request (a request applies one given mapper to all its prompts).
                var results = new List<TransferResult>();
                try
                {
                    if (mappers is null)
                    {
                        results.Add(await transfer.TransferAsync(subject, prompts, options, cancellationToken: ct));
                    }
                    else
                    {
                        for (var k = 0; k < prompts.Length; k++)
                        {
                            results.Add(await transfer.TransferAsync(subject, [prompts[k]], options, mappers[k], cancellationToken: ct));
                        }
                    }
                }
                catch
                {
                    results.ForEach(r => r.Dispose());
                    throw;
                }

                using var disposeResults = new CompositeDisposable(results);
                var result = results[0];
                var perPrompt = clock.Elapsed.TotalSeconds / prompts.Length;
                critic = $"{result.Critic.Name()} ({result.CriticDescription})";
                context.Output.WriteLine($"{name,-10} {"(subject)",-12} {new FaceExpressions(result.SourceProbabilities).Dominant,-10} {"",3} {new FaceExpressions(result.SourceHeldOutProbabilities).Dominant,-10} {"",3} " +
                                         $"{judge.Judge(result.SourceRenderPng, result.SourceRenderLandmarks).Dominant,-11}");
                skippedSteps += results.Sum(r => r.SkippedSteps);
                cells.Add(Cell(result.SourceRenderPng, null, null));
                foreach (var p in results.SelectMany(r => r.Prompts))
                {
                    var top = new FaceExpressions(p.Probabilities).Dominant;
                    var held = new FaceExpressions(p.HeldOutProbabilities).Dominant;
                    var ok = TransferWriter.Succeeded(p);
                    var heldOk = TransferWriter.Succeeded(p, heldOut: true);
                    // Read where the model's own landmarks put the face: face-api, trained on photos, misses some
                    // renders of the bald head, and a person looking at render.png sees a face whatever it finds.
                    var second = judge.Judge(p.RenderPng, p.RenderLandmarks);
                    var found = judge.Judge(p.RenderPng) is not null;
                    var secondOk = second.Dominant == p.Target?.Dominant;
                    if (!found)
                    {
                        missed++;
                    }

                    rows.Add((ok, heldOk, secondOk, p.IdentityDistance, p.MeanAbsoluteDelta, perPrompt));
                    context.Output.WriteLine($"{name,-10} {Trim(p.Prompt),-12} {top,-10} {(ok ? "yes" : "no"),3} {held,-10} {(heldOk ? "yes" : "no"),3} {second.Dominant,-11} " +
                                             $"{(secondOk is true ? "yes" : "no"),3} {p.IdentityDistance,8:F3} {p.MeanAbsoluteDelta,6:F3} {perPrompt,9:F1}");
                    cells.Add(Cell(p.RenderPng, ok, secondOk));
                }
            }
        }

        if (rows.Count == 0)
        {
            context.Output.WriteLine("no faces");
            return 1;
        }

        var success = SuccessRate.Count(rows, r => r.Ok);
        var heldOutSuccess = SuccessRate.Count(rows, r => r.HeldOk);
        var identity = SampleSummary.Of(rows.Select(r => r.Id));
        context.Output.WriteLine($"critic {critic}");
        context.Output.WriteLine($"success (top class = prompt's class, optimised view): {success.Successes}/{success.Total} = {success.Percent:F0}%  [circular with the embedded critic: the same net judges]");
        context.Output.WriteLine($"held-out success (head turned {options.HeldOutYaw:F2} rad, light mirrored left-right; never optimised): {heldOutSuccess.Successes}/{heldOutSuccess.Total} = {heldOutSuccess.Percent:F0}%");
        var secondSuccess = SuccessRate.Count(rows, r => r.SecondOk);
        context.Output.WriteLine($"second judge on the user-facing render.png ({ExpressionJudge.Name}; never optimised): {secondSuccess.Successes}/{secondSuccess.Total} = {secondSuccess.Percent:F0}%" +
                                 $" (read at the model's landmarks; face-api finds no face on {missed} of the renders)");
        context.Output.WriteLine($"identity distance: mean {identity.Mean:F3}, max {identity.Maximum:F3}; mean |Δβ| {Statistics.Mean(rows.Select(r => r.Delta)):F3}; seconds per prompt {Statistics.Mean(rows.Select(r => r.Seconds)):F1} (transfer only, reconstruction excluded)");
        if (skippedSteps > 0)
        {
            context.Output.WriteLine($"steps skipped for a gradient that was not finite: {skippedSteps}");
        }
        if (grid is not null)
        {
            Directory.CreateDirectory(grid.DirectoryName!);
            Core.Rendering.ImageFiles.SaveGrid(cells, prompts.Length + 1, grid.FullName);
            context.Output.WriteLine($"wrote {grid.FullName} (rows: faces; columns: the subject, then {string.Join(", ", prompts)}; " +
                                     "cells: the user-facing render.png; bottom bar: left the critic's net on the optimised view, right the second judge on the render, green = top class is the prompt's)");
        }

        cells.ForEach(c => c.Dispose());
        return 0;
    }

    /// <summary>The photo's subject: read from <paramref name="fitFolder"/>/params.json when a run before saved it there,
    /// else reconstructed (and saved there when a folder is given).</summary>
    private static async Task<TransferSubject> SubjectAsync(Reconstructor reconstructor, string file, string? fitFolder, bool cleanTexture, CancellationToken ct)
    {
        var saved = fitFolder is null ? null : Path.Combine(fitFolder, ReconstructionWriter.ParamsFile);
        if (saved is not null && File.Exists(saved))
        {
            return TransferSubject.FromParamsJson(saved, reconstructor.Model.Data.ExpressionNames, reconstructor.Model.Layout, file);
        }

        using var fitted = await reconstructor.ReconstructAsync(file, new ReconstructionOptions { TextureSize = 512, PreviewEvery = 0, CleanTexture = cleanTexture }, cancellationToken: ct);
        if (fitFolder is not null)
        {
            ReconstructionWriter.Write(fitted, fitFolder, Path.GetFileName(file));
        }

        return TransferSubject.FromReconstruction(fitted, FaceImage.Load(file), Path.GetFileName(file));
    }

    /// <summary>Disposes a list of things at once.</summary>
    private sealed class CompositeDisposable(IReadOnlyList<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }

    private static string Trim(string prompt) => prompt.Length <= 12 ? prompt : prompt[..11] + "…";

    /// <summary>A 160-pixel cell with a bar along the bottom: left half the critic's net on the optimised view, right half
    /// the second judge on the render (green: the top class is the prompt's, red: it is not; grey
    /// for the subject).</summary>
    private static Image<Rgb24> Cell(byte[] png, bool? ok, bool? secondOk)
    {
        var image = Image.Load<Rgb24>(png);
        image.Mutate(x => x.Resize(160, 160));
        static Rgb24 Colour(bool? verdict) => verdict switch { true => new Rgb24(40, 200, 70), false => new Rgb24(220, 40, 40), null => new Rgb24(128, 128, 128) };
        for (var y = 152; y < 160; y++)
        {
            for (var x = 0; x < 160; x++)
            {
                image[x, y] = x < 79 ? Colour(ok) : x > 80 ? Colour(secondOk ?? (ok is null ? null : false)) : new Rgb24(255, 255, 255);
            }
        }

        return image;
    }
}
