using FaceClip.Core.Runtime;

namespace FaceClip.Cli.Tests;

/// <summary>Runs CLI commands against the repository's manifest with the shared model mirror.</summary>
public static class CliTestEnvironment
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string RepositoryRoot => TestSupport.SharedAssets.RepositoryRoot;

    public static string SharedModels => TestSupport.SharedAssets.Models;

    /// <summary>Runs <c>faceclip</c> with the shared mirror and returns its exit code and what it printed.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code;
        using (UseSharedMirror())
        {
            code = await FaceClipCommand.RunAsync(args, output, error);
        }

        return (code, output.ToString(), error.ToString());
    }

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

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
