using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FaceClip.Web.Tests;

/// <summary>The web app in memory, with the repository as its root and the shared model mirror.</summary>
public sealed class FaceClipWebFactory : WebApplicationFactory<Program>
{
    public static string RepositoryRoot => TestSupport.SharedAssets.RepositoryRoot;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Models:Mirror", TestSupport.SharedAssets.Models);
        builder.UseEnvironment("Production");
    }

    /// <summary>A test's requests wait as long as the test may (HttpClient's own 100 s would be a clock in the verdict).</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.Timeout = TestSupport.TestWaits.HangCap;
    }
}
