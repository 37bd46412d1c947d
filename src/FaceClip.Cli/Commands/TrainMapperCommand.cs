using System.CommandLine;
using FaceClip.Core.Expression;
using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip train-mapper &lt;params.json | folder&gt;... --prompt TEXT [--prompt ...] --out FILE</c>: trains
/// one expression mapper per prompt across many reconstructed faces, to apply later with
/// <c>faceclip transfer --mapper FILE --iterations 0</c> (or as the start of a request).</summary>
public static class TrainMapperCommand
{
    public static Command Build(CliContext context)
    {
        var inputs = new Argument<FileSystemInfo[]>("subjects") { Description = "params.json files from faceclip reconstruct, or folders searched for them.", Arity = ArgumentArity.OneOrMore };
        var prompts = new Option<string[]>("--prompt") { Description = "The expression to train for (repeat for several: one mapper each).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The mapper file (safetensors); with several prompts, FILE-stem.<prompt-slug>.ext each.", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the subjects.", DefaultValueFactory = _ => 2 };
        var iterations = new Option<int>("--iterations") { Description = "Adam steps per subject visit.", DefaultValueFactory = _ => 40 };
        var photos = new Option<DirectoryInfo?>("--photos") { Description = "Folder holding the photos the params.json files name (default: beside each params.json)." };
        var critic = CommonOptions.Critic("auto (CLIP when installed, else the embedded expression critic), clip or face.");
        var device = CommonOptions.Device();
        var weights = new Option<string[]>("--weight") { Description = "Override a loss weight or setting, as for faceclip transfer." };
        var command = new Command("train-mapper", "Train one expression mapper per prompt across many reconstructed faces.")
        {
            inputs, prompts, output, epochs, iterations, photos, critic, device, weights,
        };
        command.SetAction((parse, ct) =>
        {
            var options = new TransferOptions { Critic = parse.GetValue(critic), Iterations = parse.GetValue(iterations), PreviewEvery = 0 };
            foreach (var w in parse.GetValue(weights) ?? [])
            {
                TransferCommand.ApplyWeight(options, w);
            }

            return Task.Run(() => Run(context, parse.GetValue(inputs)!, parse.GetValue(prompts)!, parse.GetValue(output)!, parse.GetValue(epochs), options,
                parse.GetValue(photos), parse.GetValue(device)!, ct), ct);
        });
        return command;
    }

    private static int Run(CliContext context, FileSystemInfo[] inputs, string[] prompts, FileInfo output, int epochs, TransferOptions options,
        DirectoryInfo? photos, string deviceName, CancellationToken ct)
    {
        if (epochs < 1 || options.Iterations < 1)
        {
            throw new CliUserException("--epochs and --iterations must be at least 1.");
        }

        var files = new List<string>();
        foreach (var input in inputs)
        {
            switch (input)
            {
                case DirectoryInfo { Exists: true } folder:
                    files.AddRange(Directory.GetFiles(folder.FullName, ReconstructionWriter.ParamsFile, SearchOption.AllDirectories).Order(StringComparer.Ordinal));
                    break;
                case FileInfo { Exists: true } file:
                    files.Add(file.FullName);
                    break;
                default:
                    throw new CliUserException($"Cannot read '{input.FullName}': no such file or folder.");
            }
        }

        if (files.Count == 0)
        {
            throw new CliUserException($"No {ReconstructionWriter.ParamsFile} found in {string.Join(", ", inputs.Select(i => i.FullName))}; reconstruct faces first (faceclip reconstruct).");
        }

        if (PromptReader.Shared.FirstUnreadable(prompts, options.Critic, context.Store.GetStatus("clip").Found) is { } unreadable)
        {
            throw new CliUserException(unreadable);
        }

        var compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceName });
        using var reconstructor = Reconstructor.Load(context.Store, compute.Device);
        using var transfer = new ExpressionTransfer(reconstructor.Model, reconstructor.Faces, ExpressionTransfer.ClipCriticFactory(context.Store, compute.Device));
        var subjects = new List<TransferSubject>();
        try
        {
            foreach (var file in files)
            {
                try
                {
                    subjects.Add(TransferSubject.FromParamsJson(file, reconstructor.Model.Data.ExpressionNames, reconstructor.Model.Layout, photoFolder: photos?.FullName));
                }
                catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or FaceImageException)
                {
                    throw new CliUserException($"Cannot use '{file}': {ex.Message}");
                }
            }

            context.Output.WriteLine($"{subjects.Count} face(s) x {prompts.Length} prompt(s); {epochs} epoch(s) of {options.Iterations} steps per face; device {compute.Description}");
            var slugs = new List<string>();
            foreach (var prompt in prompts)
            {
                var slug = ExpressionTransfer.Slug(prompt, slugs);
                slugs.Add(slug);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var visit = 0;
                var first = double.NaN;
                using var mapper = transfer.TrainMapper(subjects, prompt, options, epochs, report: p =>
                {
                    first = p.Iteration == 1 ? p.ItemLosses[0] : first;
                    if (p.Iteration < p.StageIterations)
                    {
                        return;
                    }

                    visit++;
                    if (visit % subjects.Count == 0)
                    {
                        context.Output.WriteLine($"\"{prompt}\" epoch {visit / subjects.Count}/{epochs}: visit {visit}/{epochs * subjects.Count}, critic loss on the last face {first:F3} -> {p.ItemLosses[0]:F3}");
                    }
                }, cancellationToken: ct);
                var path = TransferCommand.MapperPath(output, slug, prompts.Length);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                mapper.Save(path);
                context.Output.WriteLine($"\"{prompt}\": mapper saved to {path} ({clock.Elapsed.TotalSeconds:F0} s)");
            }
        }
        catch (ExpressionPromptException ex)
        {
            throw new CliUserException(ex.Message);
        }
        finally
        {
            subjects.ForEach(s => s.Dispose());
        }

        return 0;
    }
}
