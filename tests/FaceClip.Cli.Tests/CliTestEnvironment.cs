using FaceClip.Core.Runtime;

namespace FaceClip.Cli.Tests;

/// <summary>Runs CLI commands against the repository's manifest with the shared model mirror.</summary>
public static class CliTestEnvironment
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string RepositoryRoot { get; } = ProductPaths.FindRoot(AppContext.BaseDirectory);

    public static string SharedModels { get; } = FindSharedModels();

    /// <summary>Sets the mirror variable for the duration of a command (tests in this assembly run one at a time
    /// through this gate, since the variable is process-wide).</summary>
    public static IDisposable UseSharedMirror()
    {
        Gate.Wait();
        var previous = Environment.GetEnvironmentVariable(ModelStoreOptions.MirrorVariable);
        var previousHome = Environment.GetEnvironmentVariable(ProductPaths.HomeVariable);
        Environment.SetEnvironmentVariable(ModelStoreOptions.MirrorVariable, SharedModels);
        Environment.SetEnvironmentVariable(ProductPaths.HomeVariable, RepositoryRoot);
        return new Restore(() =>
        {
            Environment.SetEnvironmentVariable(ModelStoreOptions.MirrorVariable, previous);
            Environment.SetEnvironmentVariable(ProductPaths.HomeVariable, previousHome);
            Gate.Release();
        });
    }

    private static string FindSharedModels()
    {
        var configured = Environment.GetEnvironmentVariable("FACECLIP_SHARED");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.Combine(configured, "models");
        }

        for (var dir = new DirectoryInfo(RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "models");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("The shared model mirror (../shared/models) was not found; set FACECLIP_SHARED.");
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
