using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using FaceClip.Web.Tests.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR.Client;

namespace FaceClip.Web.Tests;

/// <summary>The real app end to end: a sample photo submitted over REST is reconstructed by the hosted worker while a
/// SignalR client watches, and the artifacts download.</summary>
public sealed class ReconstructionJobTests : IClassFixture<ReconstructionJobTests.ShortFitFactory>
{
    private readonly ShortFitFactory _factory;

    public ReconstructionJobTests(ShortFitFactory factory) => _factory = factory;

    /// <summary>The app with a fit short enough for a test and its own data folder.</summary>
    public sealed class ShortFitFactory : IDisposable
    {
        private readonly string _data = Directory.CreateTempSubdirectory("faceclip-web-").FullName;

        public ShortFitFactory()
        {
            Factory = new FaceClipWebFactory().WithWebHostBuilder(b =>
            {
                b.UseSetting("Jobs:DataDirectory", _data);
                b.UseSetting("Reconstruction:PoseIterations", "40");
                b.UseSetting("Reconstruction:ShapeIterations", "30");
                b.UseSetting("Reconstruction:Iterations", "6");
                b.UseSetting("Reconstruction:PreviewEvery", "3");
                b.UseSetting("Reconstruction:TextureSize", "128");
                b.UseSetting("Reconstruction:DetailIterations", "4");
                b.UseSetting("Transfer:Iterations", "4");
                b.UseSetting("Transfer:PreviewEvery", "2");
                b.UseSetting("Owners:ApiKeys:0:Owner", "owner");
                b.UseSetting("Owners:ApiKeys:0:Key", JobHost.OwnerKey);
                b.ConfigureServices(s => s.WithoutHubTimeouts());
            });
        }

        public Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Factory { get; }

        /// <summary>A REST client of the owner whose key the hub connections use.</summary>
        public HttpClient CreateClient()
        {
            var client = Factory.CreateClient();
            client.DefaultRequestHeaders.Add("X-Api-Key", JobHost.OwnerKey);
            return client;
        }

        public void Dispose()
        {
            Factory.Dispose();
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task ASamplePhotoIsReconstructedWhileAWatcherReceivesOrderedEvents()
    {
        var client = _factory.CreateClient();
        using var form = new MultipartFormDataContent();
        var photo = await File.ReadAllBytesAsync(Path.Combine(FaceClipWebFactory.RepositoryRoot, "node_modules", "@vladmandic", "face-api", "demo", "sample1.jpg"));
        form.Add(new ByteArrayContent(photo), "image", "sample1.jpg");
        form.Add(new StringContent("0"), "face");
        var response = await client.PostAsync("/api/jobs", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var server = _factory.Factory.Server;
        await using var hub = JobWatch.Connect(server);
        var progress = new List<ProgressMessage>();
        var renders = 0;
        var vertexCounts = new List<int>();
        var finished = new TaskCompletionSource<JobStateMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobStateMessage>("State", s =>
        {
            if (JobWatch.IsFinished(s.Status))
            {
                finished.TrySetResult(s);
            }
        });
        JobWatch.FailOnClose(hub, finished);
        hub.On<ProgressMessage>("Progress", p => { lock (progress) { progress.Add(p); } });
        hub.On<RenderMessage>("Render", _ => Interlocked.Increment(ref renders));
        hub.On<VerticesMessage>("Vertices", v => { lock (vertexCounts) { vertexCounts.Add(v.VertexCount); } });
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", id);

        var state = await finished.Task.WithinHangCap($"job {id} finishing");

        Assert.True(state.Status == "Completed", state.Error);
        Assert.Contains("params.json", state.Artifacts);
        lock (progress)
        {
            Assert.NotEmpty(progress);
            var fractions = progress.Select(p => p.Fraction).ToList();
            Assert.Equal(fractions.Order().ToList(), fractions); // in order, never backwards
            Assert.Contains(progress, p => p.Stage == "full" && p.Losses.ContainsKey("photo"));
        }

        Assert.True(renders > 0);
        Assert.All(vertexCounts, n => Assert.Equal(26719, n));
        var json = await client.GetStringAsync($"/api/jobs/{id}/artifacts/params.json");
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(68, doc.RootElement.GetProperty("landmarks2d").GetArrayLength());
        var overlay = await client.GetAsync($"/api/jobs/{id}/artifacts/overlay.png");
        Assert.Equal("image/png", overlay.Content.Headers.ContentType!.MediaType);

        var topology = await client.GetByteArrayAsync("/api/model/topology");
        Assert.Equal(0, topology.Length % 12);
        Assert.True(BitConverter.ToInt32(topology, 0) < 26719);
    }

    [Fact]
    public async Task AJobWithAPromptAndTheDetailPassWritesTheMapAndTheTransferredExpressionInItsOwnFolder()
    {
        var client = _factory.CreateClient();
        using var form = new MultipartFormDataContent();
        var photo = await File.ReadAllBytesAsync(TestSupport.SharedAssets.SamplePhoto(1));
        form.Add(new ByteArrayContent(photo), "image", "sample1.jpg");
        form.Add(new StringContent("very surprised"), "prompts");
        form.Add(new StringContent("true"), "detail");
        var response = await client.PostAsync("/api/jobs", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await JobWatch.UntilFinishedAsync(_factory.Factory.Server, id);
        var job = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        Assert.True(job.GetProperty("status").GetString() == "Completed", job.GetProperty("error").ToString());
        var artifacts = job.GetProperty("urls").GetProperty("artifacts");
        Assert.True(artifacts.TryGetProperty("very-surprised/mesh.glb", out var glbUrl));
        Assert.True(artifacts.TryGetProperty("mesh.glb", out _));
        Assert.True(artifacts.TryGetProperty("displacement.png", out _));
        Assert.True(artifacts.TryGetProperty("normal.png", out _));
        Assert.True(artifacts.TryGetProperty("bump.png", out _));
        foreach (var name in new[] { "mesh-obj.zip", "mesh.ply", "texture.png", "render.png", "codes.json" })
        {
            Assert.True(artifacts.TryGetProperty($"very-surprised/{name}", out _), name);
        }

        var glb = await client.GetByteArrayAsync(glbUrl.GetString());
        Assert.Equal("glTF"u8.ToArray(), glb[..4]);
        var codes = await client.GetStringAsync($"/api/jobs/{id}/artifacts/very-surprised/codes.json");
        Assert.Contains("expression", codes);
        foreach (var name in new[] { "very-surprised%2F..%2F..%2Fjobs.db", "very-surprised/x/mesh.glb", "other-prompt/mesh.glb" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/jobs/{id}/artifacts/{name}")).StatusCode);
        }
    }

    [Fact]
    public async Task APromptTheExpressionCriticCannotReadIsRefusedUpFront()
    {
        var client = _factory.CreateClient();
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(TestSupport.SharedAssets.SamplePhoto(1))), "image", "sample1.jpg");
        form.Add(new StringContent("qwertyuiop zxcvb"), "prompts");
        var response = await client.PostAsync("/api/jobs", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("qwertyuiop", detail);
        Assert.Contains("happy", detail);
    }
}
