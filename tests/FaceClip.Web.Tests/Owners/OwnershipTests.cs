using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using FaceClip.Web.Tests.Jobs;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace FaceClip.Web.Tests.Owners;

/// <summary>Every job belongs to whoever submitted it: to anyone else its record, photo, artifacts, hub events,
/// cancel and delete answer as for a job that does not exist.</summary>
public sealed class OwnershipTests
{
    private static async Task<string> SubmitAndFinishAsync(JobHost host, HttpClient client, string apiKey = JobHost.OwnerKey)
    {
        var response = await JobHost.SubmitAsync(client, JobHost.Png());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var final = await JobWatch.UntilFinishedAsync(host.Server, id, apiKey);
        Assert.Equal("Completed", final.Status);
        return id;
    }

    private static async Task<List<string>> ListAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task AStrangerGets404FromEveryEndpointOfAnothersJob()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        var id = await SubmitAndFinishAsync(host, host.Client);

        foreach (var url in new[] { $"/api/jobs/{id}", $"/api/jobs/{id}/input", $"/api/jobs/{id}/artifacts/mesh.obj" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await host.Stranger.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync(url)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await host.Stranger.PostAsync($"/api/jobs/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Stranger.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Empty(await ListAsync(host.Stranger));
        Assert.Equal([id], await ListAsync(host.Client));
        // The stranger's delete removed nothing.
        Assert.True(File.Exists(Path.Combine(host.DataDirectory, "jobs", id, "input.png")));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/api/jobs/{id}")).StatusCode);
    }

    [Fact]
    public async Task AStrangerCannotSubscribeToAnothersJobOnTheHub()
    {
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 2) { Gate = gate };
        await using var host = await JobHost.StartAsync(executor);
        var response = await host.SubmitAsync(JobHost.Png());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await executor.Started.Task.WithinHangCap("the job starting");

        await using var stranger = host.Hub(JobHost.StrangerKey);
        var received = 0;
        stranger.On<ProgressMessage>("Progress", _ => Interlocked.Increment(ref received));
        stranger.On<JobStateMessage>("State", _ => Interlocked.Increment(ref received));
        await stranger.StartAsync();
        var refused = await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("Subscribe", id));
        Assert.Contains("No such job", refused.Message);

        gate.Release(2);
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, id)).Status);
        // The stranger's connection is still open and was sent nothing of the job.
        Assert.Equal(HubConnectionState.Connected, stranger.State);
        Assert.Equal(0, Volatile.Read(ref received));
    }

    [Fact]
    public async Task ABrowserGetsAProtectedHttpOnlyLaxOwnerCookieAndOnlyItSeesItsJobs()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        var cookies = new CookieContainer();
        using var browser = host.Browser(cookies);

        var first = await browser.GetAsync("/api/jobs");
        var setCookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("faceclip.owner=", setCookie);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", setCookie, StringComparison.OrdinalIgnoreCase);
        var value = cookies.GetCookies(new Uri("http://localhost/"))["faceclip.owner"]!.Value;
        // Protected by Data Protection: no owner id in the clear.
        Assert.DoesNotContain("browser", value, StringComparison.OrdinalIgnoreCase);

        var submitted = await JobHost.SubmitAsync(browser, JobHost.Png());
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.False(submitted.Headers.Contains("Set-Cookie"), "A browser with an owner keeps it.");
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal([id], await ListAsync(browser));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/api/jobs/{id}/input")).StatusCode);

        using var otherBrowser = host.Browser();
        Assert.Empty(await ListAsync(otherBrowser));
        Assert.Equal(HttpStatusCode.NotFound, (await otherBrowser.GetAsync($"/api/jobs/{id}/input")).StatusCode);

        // A forged or altered cookie is no owner: the server gives that browser a new, empty identity.
        var forged = new CookieContainer();
        forged.Add(new Uri("http://localhost/"), new Cookie("faceclip.owner", value[..^4] + "AAAA"));
        using var forger = host.Browser(forged);
        Assert.Empty(await ListAsync(forger));
        Assert.Empty(await ListAsync(host.Client));
    }

    [Fact]
    public async Task TheOwnerCookieIsSecureUnderHttps()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        using var browser = host.Browser(baseAddress: "https://localhost/");

        var response = await browser.GetAsync("/api/jobs");

        Assert.Contains("secure", Assert.Single(response.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnUnknownApiKeyIsRefusedWith401()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        using var client = host.WithKey("not-a-key");

        var response = await client.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await JobHost.SubmitAsync(client, JobHost.Png())).StatusCode);
        Assert.Empty(Directory.GetDirectories(Path.Combine(host.DataDirectory, "jobs")));
    }

    [Fact]
    public async Task AnApiKeyIssuedToABrowserReachesThatBrowsersJobsAndNoOneElses()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        using var browser = host.Browser();
        var submitted = await JobHost.SubmitAsync(browser, JobHost.Png());
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var issued = await browser.PostAsync("/api/keys", null);

        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var key = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var script = host.WithKey(key);
        Assert.Equal([id], await ListAsync(script));
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, id, key)).Status);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync($"/api/jobs/{id}/artifacts/mesh.obj")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/api/jobs/{id}")).StatusCode);
        // Only the key's hash is kept.
        var db = await File.ReadAllBytesAsync(Path.Combine(host.DataDirectory, "keys.db"));
        Assert.DoesNotContain(key, System.Text.Encoding.UTF8.GetString(db));
    }

    [Fact]
    public async Task TheOwnerCookieOutlivesARestart()
    {
        var data = Directory.CreateTempSubdirectory("faceclip-owner-restart-").FullName;
        var cookies = new CookieContainer();
        string id;
        await using (var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1), data))
        {
            using var browser = host.Browser(cookies);
            var submitted = await JobHost.SubmitAsync(browser, JobHost.Png());
            id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }

        await using (var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1), data))
        {
            using var browser = host.Browser(cookies);
            Assert.Equal([id], await ListAsync(browser));
        }
    }
}
