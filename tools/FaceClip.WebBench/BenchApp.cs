using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FaceClip.WebBench;

/// <summary>The app in this process on a loopback port, as every in-process bench runs it: production settings, its
/// own data folder, and the bench's settings on top.</summary>
internal static class BenchApp
{
    public static WebApplicationFactory<Program> Start(string dataDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Jobs:DataDirectory", dataDirectory);
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }

            b.UseSetting("Urls", "http://127.0.0.1:0");
            b.UseEnvironment("Production");
        });
        factory.UseKestrel(0);
        factory.StartServer();
        return factory;
    }
}
