using FaceClip.Core.Runtime;

namespace FaceClip.Core.Tests;

/// <summary>Where the tests find the repository and the shared assets (<c>../shared</c> beside the checkout, or
/// <c>FACECLIP_SHARED</c>).</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = ProductPaths.FindRoot(AppContext.BaseDirectory);

    public static string Shared { get; } = FindShared();

    public static string SharedModels => Path.Combine(Shared, "models");

    public static string ClipFixtures => Path.Combine(Shared, "fixtures", "clip-tiny");

    public static string IctFaceKit => Path.Combine(SharedModels, "ict-facekit");

    /// <summary>The installed npm packages (sample photos and face-api weights come from here).</summary>
    public static string NodeModules => Path.Combine(RepositoryRoot, "node_modules");

    public static string SamplePhotos => Path.Combine(NodeModules, "@vladmandic", "face-api", "demo");

    /// <summary>A model store over the real manifest, resolving from the shared mirror and node_modules.</summary>
    public static ModelStore OpenStore() =>
        ModelStore.Open(RepositoryRoot, new ModelStoreOptions { Mirror = SharedModels });

    private static string FindShared()
    {
        var configured = Environment.GetEnvironmentVariable("FACECLIP_SHARED");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        for (var dir = new DirectoryInfo(RepositoryRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "models")) && !string.Equals(dir.FullName, RepositoryRoot, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"The shared assets folder (../shared) was not found beside {RepositoryRoot}; set FACECLIP_SHARED.");
    }
}
