using FaceClip.Core.Runtime;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FaceClip.Web.Tests;

/// <summary>The web app in memory, with the repository as its root and the shared model mirror.</summary>
public sealed class FaceClipWebFactory : WebApplicationFactory<Program>
{
    public static string RepositoryRoot { get; } = ProductPaths.FindRoot(AppContext.BaseDirectory);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Models:Mirror", FindSharedModels());
        builder.UseEnvironment("Production");
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

        throw new DirectoryNotFoundException("../shared/models not found; set FACECLIP_SHARED.");
    }
}
