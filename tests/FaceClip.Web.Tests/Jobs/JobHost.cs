using System.Net.Http.Json;
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

    /// <summary>The API key of the owner whose client <see cref="Client"/> is.</summary>
    public const string OwnerKey = "owner-key-0123456789";

    /// <summary>The API key of a second owner, who must see none of the first owner's jobs.</summary>
    public const string StrangerKey = "stranger-key-0123456789";

    private JobHost(WebApplication app, string dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Server = app.GetTestServer();
        Client = WithKey(OwnerKey);
        Stranger = WithKey(StrangerKey);
    }

    public TestServer Server { get; }

    /// <summary>The first owner's REST client (its API key in <c>X-Api-Key</c>).</summary>
    public HttpClient Client { get; }

    /// <summary>A second owner's REST client.</summary>
    public HttpClient Stranger { get; }
    public string DataDirectory { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<JobHost> StartAsync(IJobExecutor executor, string? dataDirectory = null, int queueCapacity = 4, long maxPixels = 40_000_000,
        IReadOnlyDictionary<string, string?>? settings = null)
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
            ["Owners:ApiKeys:0:Owner"] = "owner",
            ["Owners:ApiKeys:0:Key"] = OwnerKey,
            ["Owners:ApiKeys:1:Owner"] = "stranger",
            ["Owners:ApiKeys:1:Sha256"] = FaceClip.Web.Owners.ApiKeyStore.Hash(StrangerKey),
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddSingleton(new ComputeContext(TorchSharp.torch.CPU, 1, "cpu (test)"));
        builder.Services.AddSingleton(executor);
        builder.Services.AddProblemDetails();
        builder.Services.AddFaceClipJobs(builder.Configuration);
        builder.Services.WithoutHubTimeouts();
        var app = builder.Build();
        app.UseFaceClipRequestGuards();
        app.MapFaceClipJobs();
        await app.StartAsync();
        return new JobHost(app, dataDirectory);
    }

    /// <summary>A hub connection of the first owner (or of whoever holds <paramref name="apiKey"/>).</summary>
    public HubConnection Hub(string apiKey = OwnerKey) => JobWatch.Connect(Server, apiKey);

    /// <summary>A REST client that authenticates with an API key.</summary>
    public HttpClient WithKey(string apiKey)
    {
        var client = Server.CreateClient();
        client.Timeout = TestSupport.TestWaits.HangCap;
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>A browser-like client: no key, it keeps the cookies the server sets (its owner identity).</summary>
    public HttpClient Browser(System.Net.CookieContainer? cookies = null, string baseAddress = "http://localhost/")
    {
        var handler = new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(cookies ?? new System.Net.CookieContainer())
        {
            InnerHandler = Server.CreateHandler(),
        };
        return new HttpClient(handler) { BaseAddress = new Uri(baseAddress), Timeout = TestSupport.TestWaits.HangCap };
    }

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

    /// <summary>The id of a job a submission created; the submission must have been accepted.</summary>
    public static async Task<string> IdOf(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString()!;
    }

    public Task<HttpResponseMessage> SubmitAsync(byte[] image, string fileName = "photo.png", params string[] prompts) =>
        SubmitAsync(Client, image, fileName, prompts);

    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, byte[] image, string fileName = "photo.png", params string[] prompts)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(image), "image", fileName);
        foreach (var prompt in prompts)
        {
            form.Add(new StringContent(prompt), "prompts");
        }

        return await client.PostAsync("/api/jobs", form);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Stranger.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
