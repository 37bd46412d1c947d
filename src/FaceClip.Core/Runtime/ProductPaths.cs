namespace FaceClip.Core.Runtime;

/// <summary>Finds the product root: the folder holding <c>models/manifest.json</c> (the repository root in a checkout,
/// the application folder in a container). <c>FACECLIP_HOME</c> overrides the search.</summary>
public static class ProductPaths
{
    public const string HomeVariable = "FACECLIP_HOME";

    public static string FindRoot(string? start = null)
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        if (!string.IsNullOrWhiteSpace(home))
        {
            return Path.GetFullPath(home);
        }

        foreach (var origin in new[] { start, Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = string.IsNullOrEmpty(origin) ? null : new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "models", "manifest.json")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"Cannot find the FaceClip root (a folder with models/manifest.json) above '{Environment.CurrentDirectory}'. " +
            $"Run from the FaceClip folder or set {HomeVariable}.");
    }
}
