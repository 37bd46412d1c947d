using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using FaceClip.Web.Tests.Jobs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Web.Tests.Security;

/// <summary>What stands between the job system and abuse: submission rate limits, the origin check on everything that
/// changes or watches a job, clear 400s for malformed uploads, damaged images refused up front, and the bounded size
/// of what a worker reads.</summary>
public sealed class SubmissionGuardTests
{
    private static string[] JobFolders(JobHost host) => Directory.GetDirectories(Path.Combine(host.DataDirectory, "jobs"));

    private static async Task<string> DetailOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;

    [Fact]
    public async Task AnOwnerPastItsSubmissionLimitGets429WithRetryAfterAndOthersStillSubmit()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1), queueCapacity: 16, settings: new Dictionary<string, string?>
        {
            ["Jobs:SubmissionsPerOwner"] = "2",
            ["Jobs:RateLimitWindowSeconds"] = "3600",
        });
        Assert.Equal(HttpStatusCode.Accepted, (await host.SubmitAsync(JobHost.Png())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.SubmitAsync(JobHost.Png())).StatusCode);

        var refused = await host.SubmitAsync(JobHost.Png());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 3600);
        Assert.Contains("Too many jobs", await DetailOf(refused));
        Assert.Equal(2, JobFolders(host).Length);
        Assert.Equal(HttpStatusCode.Accepted, (await JobHost.SubmitAsync(host.Stranger, JobHost.Png())).StatusCode);
    }

    [Fact]
    public async Task OneAddressPastItsLimitGets429WhateverOwnerItUses()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1), queueCapacity: 16, settings: new Dictionary<string, string?>
        {
            ["Jobs:SubmissionsPerOwner"] = "5",
            ["Jobs:SubmissionsPerAddress"] = "3",
            ["Jobs:RateLimitWindowSeconds"] = "3600",
        });
        Assert.Equal(HttpStatusCode.Accepted, (await host.SubmitAsync(JobHost.Png())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.SubmitAsync(JobHost.Png())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await JobHost.SubmitAsync(host.Stranger, JobHost.Png())).StatusCode);

        var refused = await JobHost.SubmitAsync(host.Stranger, JobHost.Png());
        using var freshBrowser = host.Browser();
        var alsoRefused = await JobHost.SubmitAsync(freshBrowser, JobHost.Png());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TooManyRequests, alsoRefused.StatusCode);
        Assert.Equal(3, JobFolders(host).Length);
    }

    [Theory]
    [InlineData("Origin", "https://attacker.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    public async Task ACrossSiteSubmissionIsRefusedAndStoresNothing(string header, string value)
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        using var browser = host.Browser();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(JobHost.Png()), "image", "photo.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = form };
        request.Headers.Add(header, value);

        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(JobFolders(host));
    }

    [Fact]
    public async Task ASameOriginSubmissionIsAccepted()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        using var browser = host.Browser();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(JobHost.Png()), "image", "photo.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = form };
        request.Headers.Add("Origin", "http://localhost");
        request.Headers.Add("Sec-Fetch-Site", "same-origin");

        Assert.Equal(HttpStatusCode.Accepted, (await browser.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task ACrossSiteDeleteOrCancelIsRefusedAndTheJobStays()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        var submitted = await host.SubmitAsync(JobHost.Png());
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, id)).Status);

        foreach (var request in new[] { new HttpRequestMessage(HttpMethod.Delete, $"/api/jobs/{id}"), new HttpRequestMessage(HttpMethod.Post, $"/api/jobs/{id}/cancel") })
        {
            request.Headers.Add("Origin", "https://attacker.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.SendAsync(request)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/api/jobs/{id}")).StatusCode);
    }

    [Fact]
    public async Task TheHubRefusesAConnectionFromAnotherOrigin()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Server.BaseAddress, "hubs/jobs"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => host.Server.CreateHandler();
                o.Headers["X-Api-Key"] = JobHost.OwnerKey;
                o.Headers["Origin"] = "https://attacker.example";
            })
            .AddMessagePackProtocol()
            .Build();

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var handshake = new HttpRequestMessage(HttpMethod.Get, "/hubs/jobs?id=x");
        handshake.Headers.Add("Origin", "https://attacker.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.SendAsync(handshake)).StatusCode);
    }

    [Fact]
    public async Task AMalformedMultipartBodyOrAMissingBoundaryIs400WithAClearMessage()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));

        using var garbage = new ByteArrayContent(Encoding.ASCII.GetBytes("--abc\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n\u0089PNG trailing with no closing boundary"));
        garbage.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=abc");
        var malformed = await host.Client.PostAsync("/api/jobs", garbage);

        using var noBoundary = new ByteArrayContent(JobHost.Png());
        noBoundary.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data");
        var missing = await host.Client.PostAsync("/api/jobs", noBoundary);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("malformed", await DetailOf(malformed));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("no boundary", await DetailOf(missing));
        Assert.Empty(JobFolders(host));
    }

    [Theory]
    [InlineData("jpeg-cut-in-its-scan", "truncated")]
    [InlineData("png-cut", "truncated")]
    [InlineData("png-bit-flipped", "CRC")]
    public async Task ADamagedImageIsRefusedAtUpload(string kind, string expected)
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        var jpeg = JobHost.Jpeg(320, 240);
        var png = Noise(200, 150);
        var body = kind switch
        {
            "jpeg-cut-in-its-scan" => jpeg[..(int)(jpeg.Length * 0.8)],
            "png-cut" => png[..(png.Length - 20)],
            "png-bit-flipped" => Flip(png, png.Length / 2),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var response = await host.SubmitAsync(body, "photo.jpg");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(expected, await DetailOf(response));
        Assert.Empty(JobFolders(host));
    }

    [Fact]
    public async Task APhotoOverTheWorkingSizeIsKeptAsUploadedAndTheWorkerReadsAScaledDownCopy()
    {
        var executor = new ScriptedExecutor(steps: 1);
        await using var host = await JobHost.StartAsync(executor, settings: new Dictionary<string, string?> { ["Jobs:WorkingPixels"] = "60000" });
        var photo = Noise(400, 300);

        var submitted = await host.SubmitAsync(photo, "photo.png");
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, id)).Status);
        var folder = Path.Combine(host.DataDirectory, "jobs", id);
        Assert.Equal(photo, await File.ReadAllBytesAsync(Path.Combine(folder, "input.png")));
        Assert.Equal(photo, await host.Client.GetByteArrayAsync($"/api/jobs/{id}/input"));
        var read = Assert.Single(executor.Inputs);
        Assert.Equal(Path.Combine(folder, JobStore.WorkingCopyName), read);
        var info = Image.Identify(read);
        Assert.InRange((long)info.Width * info.Height, 50_000, 60_000);
        Assert.Equal(4 / 3.0, info.Width / (double)info.Height, 2);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/api/jobs/{id}/artifacts/{JobStore.WorkingCopyName}")).StatusCode);

        // A photo within the working size is read as it is.
        var small = await host.SubmitAsync(Noise(200, 150), "small.png");
        var smallId = (await small.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, smallId)).Status);
        Assert.Equal(Path.Combine(host.DataDirectory, "jobs", smallId, "input.png"), executor.Inputs.Last());
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x10;
        return copy;
    }

    /// <summary>A PNG of random pixels (it does not compress, so it has a long IDAT).</summary>
    private static byte[] Noise(int width, int height)
    {
        var random = new Random(5);
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
