using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using Spectre.Console;

namespace FaceClip.Cli;

/// <summary>What every command needs: where to write, the product root and the model store.</summary>
public sealed class CliContext(TextWriter output, TextWriter error)
{
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;

    /// <summary>A Spectre console over <see cref="Output"/>, so tests can read what a person would see.</summary>
    public IAnsiConsole Console { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = ReferenceEquals(output, System.Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = ReferenceEquals(output, System.Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = ReferenceEquals(output, System.Console.Out) ? InteractionSupport.Detect : InteractionSupport.No,
    });

    public string Root => _root ??= ProductPaths.FindRoot();

    private string? _root;
    private ModelStore? _store;

    public ModelStore Store => _store ??= ModelStore.Open(Root);

    /// <summary>face-api's demo folder (from npm): its sample1..6.jpg are the default photos of the benches; the folder
    /// also holds screenshots, which are left out.</summary>
    public string SamplePhotosFolder => Path.Combine(Root, "node_modules", "@vladmandic", "face-api", "demo");

    /// <summary>The development set of real photos with people's landmarks that <c>faceclip bench landmarks</c> reads
    /// by default: <c>eval/real-landmarks</c> of the shared folder beside the checkout (<c>FACECLIP_SHARED</c> when
    /// set, else the first <c>shared</c> folder above <see cref="Root"/>); null when there is none. It is read in
    /// place, never copied into the project.</summary>
    public string? DefaultLandmarkSet
    {
        get
        {
            const string relative = "eval/real-landmarks";
            if (Environment.GetEnvironmentVariable("FACECLIP_SHARED") is { Length: > 0 } shared)
            {
                var configured = Path.Combine(Path.GetFullPath(shared), relative);
                return Directory.Exists(configured) ? configured : null;
            }

            for (var dir = new DirectoryInfo(Root).Parent; dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", relative);
                if (File.Exists(Path.Combine(candidate, Core.Evaluation.LandmarkSet.FileName)))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    /// <summary>The photos a bench runs on, in name order: every photo in <paramref name="folder"/>, or by default
    /// the sample photos of <see cref="SamplePhotosFolder"/>.</summary>
    public IReadOnlyList<string> BenchPhotos(DirectoryInfo? folder) => folder is not null
        ? FaceCropDataset.ImagesIn(folder.FullName)
        : FaceCropDataset.ImagesIn(SamplePhotosFolder).Where(f => Path.GetFileName(f).StartsWith("sample", StringComparison.Ordinal)).ToList();
}
