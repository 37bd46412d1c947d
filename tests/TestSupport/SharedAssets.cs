using FaceClip.Core.Runtime;

namespace FaceClip.TestSupport;

/// <summary>
/// Where every test project finds the repository and the shared assets: <c>FACECLIP_SHARED</c> (a folder holding
/// <c>models/</c> and <c>fixtures/</c>) when set, else a <c>shared</c> folder above the checkout (the layout of
/// development and CI machines); the model mirror is <c>FACECLIP_MODEL_MIRROR</c> when set, else its <c>models/</c>.
/// Compiled into each test project, so the rule lives in one place.
/// </summary>
public static class SharedAssets
{
    public static string RepositoryRoot { get; } = ProductPaths.FindRoot(AppContext.BaseDirectory);

    public static string Root { get; } = FindRoot();

    public static string Models { get; } = Environment.GetEnvironmentVariable(ModelStoreOptions.MirrorVariable) is { Length: > 0 } mirror
        ? Path.GetFullPath(mirror)
        : Path.Combine(Root, "models");

    public static string Fixtures => Path.Combine(Root, "fixtures");

    public static string SamplePhoto(int i) => Path.Combine(RepositoryRoot, "node_modules", "@vladmandic", "face-api", "demo", $"sample{i}.jpg");

    private static string FindRoot()
    {
        var configured = Environment.GetEnvironmentVariable("FACECLIP_SHARED");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        for (var dir = new DirectoryInfo(RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "models")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"The shared assets folder (shared/ beside the checkout) was not found above {RepositoryRoot}; set FACECLIP_SHARED.");
    }
}
