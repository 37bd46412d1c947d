using System.CommandLine;
using System.Text.Json;
using FaceClip.Core.Runtime;
using Spectre.Console;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip models status|fetch|hash|build-dense-map|build-regressor</c>.</summary>
public static class ModelsCommand
{
    public static Command Build(CliContext context)
    {
        var models = new Command("models", "Model assets: what is installed, fetching, checksums.");

        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var status = new Command("status", "List every model asset, where it was found and whether it verified.") { json };
        status.SetAction(parse => Status(context, parse.GetValue(json)));
        models.Subcommands.Add(status);

        var id = new Argument<string?>("id") { Description = "Asset id (all required assets when omitted).", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Fetch optional assets too." };
        var fetch = new Command("fetch", "Install an asset into models/: import it from the mirror or download and verify it.") { id, all };
        fetch.SetAction((parse, ct) => FetchAsync(context, parse.GetValue(id), parse.GetValue(all), ct));
        models.Subcommands.Add(fetch);

        var file = new Argument<FileInfo>("file") { Description = "File to hash." };
        var check = new Option<FileCheck>("--check") { Description = "bytes, obj-vertices or obj-mesh.", DefaultValueFactory = _ => FileCheck.Bytes };
        check.CustomParser = r => Enum.Parse<FileCheck>(r.Tokens.Single().Value.Replace("-", string.Empty), ignoreCase: true);
        var hash = new Command("hash", "Print a file's SHA-256 as the manifest records it.") { file, check };
        hash.SetAction(parse =>
        {
            var f = parse.GetValue(file)!;
            context.Output.WriteLine(FileVerifier.ComputeSha256(f.FullName, parse.GetValue(check)));
            return 0;
        });
        models.Subcommands.Add(hash);
        models.Subcommands.Add(DenseMapCommand.Build(context));
        models.Subcommands.Add(RegressorBuildCommand.Build(context));
        return models;
    }

    private static int Status(CliContext context, bool asJson)
    {
        var compute = TorchRuntime.Configure(new ComputeOptions());
        var statuses = context.Store.GetStatuses();
        if (asJson)
        {
            var doc = new
            {
                device = compute.Description,
                threads = compute.Threads,
                modelsDirectory = context.Store.ModelsDirectory,
                mirror = context.Store.MirrorDirectory,
                assets = statuses.Select(AssetSummary.Of),
            };
            context.Output.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        }
        else
        {
            context.Console.MarkupLine($"Device: [bold]{Markup.Escape(compute.Description)}[/]");
            context.Console.MarkupLine($"Models: {Markup.Escape(context.Store.ModelsDirectory)}" +
                                       (context.Store.MirrorDirectory is null ? string.Empty : $"  mirror: {Markup.Escape(context.Store.MirrorDirectory)}"));
            var table = new Table().AddColumns("asset", "required", "status", "from", "verified", "licence");
            foreach (var s in statuses)
            {
                table.AddRow(
                    Markup.Escape(s.Asset.Id),
                    s.Asset.Required ? "yes" : "optional",
                    s.Found ? "[green]found[/]" : s.Problem is null ? "[yellow]missing[/]" : "[red]refused[/]",
                    Markup.Escape(s.Found ? s.Location.ToString() : "-"),
                    s.Verified ? "sha256 ok" : "-",
                    Markup.Escape(s.Asset.License));
            }

            context.Console.Write(table);
            foreach (var s in statuses.Where(s => !s.Found))
            {
                context.Console.MarkupLine(Markup.Escape(
                    $"{s.Asset.Id}: {s.Problem ?? "missing"}. " + (s.Asset.Source.Build is null ? $"Fix: faceclip models fetch {s.Asset.Id}" : ModelStore.HowToRestore(s.Asset))));
            }
        }

        return statuses.Any(s => s.Asset.Required && !s.Found) ? 1 : 0;
    }

    private static async Task<int> FetchAsync(CliContext context, string? id, bool all, CancellationToken ct)
    {
        var ids = id is not null
            ? [id]
            : context.Store.Manifest.Assets.Where(a => a.Required || all).Select(a => a.Id).ToList();
        foreach (var assetId in ids)
        {
            _ = context.Store.Manifest[assetId];
            var last = DateTime.MinValue;
            var progress = new Progress<FetchProgress>(p =>
            {
                if (DateTime.UtcNow - last > TimeSpan.FromSeconds(1))
                {
                    last = DateTime.UtcNow;
                    context.Error.WriteLine($"  {p.AssetId}/{p.File}: {p.Bytes / 1e6:F1} MB" + (p.TotalBytes is { } t ? $" of {t / 1e6:F1} MB" : string.Empty));
                }
            });
            var status = await context.Store.FetchAsync(assetId, progress, ct);
            context.Output.WriteLine($"{status.Asset.Id}: {status.Location} {status.Root}{(status.Verified ? " (verified)" : string.Empty)}");
        }

        return 0;
    }
}
