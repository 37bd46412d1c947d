using FaceClip.Core.Runtime;
using FaceClip.Web.Jobs;
using MessagePack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Web.Tests.Jobs;

/// <summary>The job system (store, queue, worker, hub, REST) in an in-memory server, with a scripted executor that
/// stands in for the science so the plumbing can be tested on its own.</summary>
public sealed class JobHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private JobHost(WebApplication app, string dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Server = app.GetTestServer();
        Client = Server.CreateClient();
        Client.Timeout = TestSupport.TestWaits.HangCap;
    }

    public TestServer Server { get; }
    public HttpClient Client { get; }
    public string DataDirectory { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<JobHost> StartAsync(IJobExecutor executor, string? dataDirectory = null, int queueCapacity = 4, long maxPixels = 40_000_000)
    {
        dataDirectory ??= Directory.CreateTempSubdirectory("faceclip-jobs-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jobs:DataDirectory"] = dataDirectory,
            ["Jobs:QueueCapacity"] = queueCapacity.ToString(),
            ["Jobs:MaxImagePixels"] = maxPixels.ToString(),
            ["Jobs:MaxUploadBytes"] = (2 * 1024 * 1024).ToString(),
        });
        builder.Services.AddSingleton(new ComputeContext(TorchSharp.torch.CPU, 1, "cpu (test)"));
        builder.Services.AddSingleton(executor);
        builder.Services.AddProblemDetails();
        builder.Services.AddFaceClipJobs(builder.Configuration);
        builder.Services.WithoutHubTimeouts();
        var app = builder.Build();
        app.MapFaceClipJobs();
        await app.StartAsync();
        return new JobHost(app, dataDirectory);
    }

    public HubConnection Hub() => JobWatch.Connect(Server);

    public static byte[] Png(int width = 64, int height = 48)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(200, 150, 120));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    public static byte[] Jpeg(int width = 64, int height = 48)
    {
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)(x * 4), (byte)(y * 5), (byte)(x ^ y));
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }

    public async Task<HttpResponseMessage> SubmitAsync(byte[] image, string fileName = "photo.png", params string[] prompts)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(image), "image", fileName);
        foreach (var prompt in prompts)
        {
            form.Add(new StringContent(prompt), "prompts");
        }

        return await Client.PostAsync("/api/jobs", form);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
