using System.Net;
using System.Text.Json;

namespace FaceClip.Web.Tests;

public sealed class ModelsEndpointTests(FaceClipWebFactory factory) : IClassFixture<FaceClipWebFactory>
{
    [Fact]
    public async Task HealthIsHealthyWhenRequiredAssetsAreInstalled()
    {
        var response = await factory.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ModelsApiReportsDeviceAndEveryAsset()
    {
        var json = await factory.CreateClient().GetStringAsync("/api/models");
        using var doc = JsonDocument.Parse(json);
        Assert.StartsWith("cpu", doc.RootElement.GetProperty("device").GetString());
        var assets = doc.RootElement.GetProperty("assets").EnumerateArray().ToDictionary(a => a.GetProperty("id").GetString()!);
        Assert.Equal("Mirror", assets["ict-facekit"].GetProperty("location").GetString());
        Assert.True(assets["face-api"].GetProperty("verified").GetBoolean());
        Assert.False(assets["clip"].GetProperty("found").GetBoolean());
    }

    [Fact]
    public async Task ModelsPageRendersTheAssetTableOnTheServer()
    {
        var html = await factory.CreateClient().GetStringAsync("/models");
        Assert.Contains("ICT-FaceKit face model", html);
        Assert.Contains("faceclip models fetch clip", html);
        Assert.Contains("Device: <b>cpu", html);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheJobsApi()
    {
        var json = await factory.CreateClient().GetStringAsync("/openapi/v1.json");
        using var doc = JsonDocument.Parse(json);
        var paths = doc.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/jobs", out var jobs));
        Assert.True(jobs.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/api/jobs/{id}/artifacts/{name}", out _));
    }

    [Fact]
    public async Task MudBlazorAndSiteStylesAreServed()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/_content/MudBlazor/MudBlazor.min.css")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/css/app.css")).StatusCode);
    }
}
