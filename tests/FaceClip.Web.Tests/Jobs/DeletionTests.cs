using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FaceClip.Web.Tests.Jobs;

/// <summary>Deleting a job removes its photo, every artifact and its record (cancelling it first when it runs), and
/// the retention purge does the same for jobs past <see cref="JobOptions.RetentionHours"/>.</summary>
public sealed class DeletionTests
{

    private static string Folder(JobHost host, string id) => Path.Combine(host.DataDirectory, "jobs", id);

    [Fact]
    public async Task DeletingAFinishedJobRemovesItsPhotoItsArtifactsAndItsRecord()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        var id = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, id)).Status);
        Assert.True(File.Exists(Path.Combine(Folder(host, id), "mesh.obj")));

        var response = await host.Client.DeleteAsync($"/api/jobs/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(Directory.Exists(Folder(host, id)));
        Assert.Null(await host.Services.GetRequiredService<JobStore>().GetAsync(id));
        foreach (var url in new[] { $"/api/jobs/{id}", $"/api/jobs/{id}/input", $"/api/jobs/{id}/artifacts/mesh.obj" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync(url)).StatusCode);
        }

        Assert.Equal(0, (await host.Client.GetFromJsonAsync<JsonElement>("/api/jobs")).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.DeleteAsync($"/api/jobs/{id}")).StatusCode);
    }

    [Fact]
    public async Task DeletingARunningJobCancelsItFirstThenRemovesEverythingAndTellsItsWatchers()
    {
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 3) { Gate = gate };
        await using var host = await JobHost.StartAsync(executor);
        var id = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));
        await executor.Started.Task.WithinHangCap("the job starting");
        gate.Release(1);
        await JobWatch.UntilProgressAsync(host.Server, id, 1);

        await using var watcher = host.Hub();
        var states = new List<string>();
        var deleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.On<JobStateMessage>("State", s =>
        {
            lock (states)
            {
                states.Add(s.Status);
            }

            if (s.Status == JobStates.Deleted)
            {
                deleted.TrySetResult();
            }
        });
        JobWatch.FailOnClose(watcher, deleted);
        await watcher.StartAsync();
        await watcher.InvokeAsync("Subscribe", id);

        // The executor waits on its gate: only cancellation can end it, and the delete answers once it has.
        var response = await host.Client.DeleteAsync($"/api/jobs/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(Directory.Exists(Folder(host, id)));
        Assert.Null(await host.Services.GetRequiredService<JobStore>().GetAsync(id));
        await deleted.Task.WithinHangCap("the watcher hearing of the deletion");
        lock (states)
        {
            Assert.Equal(["Running", "Cancelled", JobStates.Deleted], states);
        }

        // The worker is free again.
        gate.Release(3);
        var next = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, next)).Status);
    }

    [Fact]
    public async Task DeletingAQueuedJobRemovesItAndTheWorkerSkipsIt()
    {
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 1) { Gate = gate };
        await using var host = await JobHost.StartAsync(executor);
        var running = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));
        await executor.Started.Task.WithinHangCap("the first job starting");
        var queued = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));

        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/api/jobs/{queued}")).StatusCode);

        Assert.False(Directory.Exists(Folder(host, queued)));
        gate.Release(1);
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, running)).Status);
        var after = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));
        gate.Release(1);
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, after)).Status);
        Assert.False(Directory.Exists(Folder(host, queued)));
        var ids = (await host.Client.GetFromJsonAsync<JsonElement>("/api/jobs")).EnumerateArray().Select(j => j.GetProperty("id").GetString()).ToList();
        Assert.Equal([after, running], ids);
    }

    [Fact]
    public async Task ThePurgeRemovesJobsCreatedBeforeItsCutoffAndKeepsNewerOnes()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1), settings: new Dictionary<string, string?> { ["Jobs:RetentionHours"] = "0" });
        var old = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, old)).Status);
        var cutoff = (await host.Services.GetRequiredService<JobStore>().GetAsync(old))!.CreatedAt.AddTicks(1);
        var recent = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(host.Server, recent)).Status);
        Assert.True((await host.Services.GetRequiredService<JobStore>().GetAsync(recent))!.CreatedAt >= cutoff);

        var purged = await host.Services.GetRequiredService<JobDeletion>().PurgeAsync(cutoff);

        Assert.Equal(1, purged);
        Assert.False(Directory.Exists(Folder(host, old)));
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/api/jobs/{old}")).StatusCode);
        Assert.True(Directory.Exists(Folder(host, recent)));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/api/jobs/{recent}/input")).StatusCode);
    }

    [Fact]
    public async Task TheRetentionServiceDeletesJobsOlderThanRetentionHours()
    {
        // Retention of a few milliseconds, swept every few hundred: the job is deleted soon after it finishes, and the
        // test waits for the deletion's event, not for a clock.
        var gate = new SemaphoreSlim(0);
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1) { Gate = gate }, settings: new Dictionary<string, string?>
        {
            ["Jobs:RetentionHours"] = "0.000001",
            ["Jobs:RetentionSweepMinutes"] = "0.005",
        });
        var id = await JobHost.IdOf(await host.SubmitAsync(JobHost.Png()));
        await using var watcher = host.Hub();
        var deleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.On<JobStateMessage>("State", s =>
        {
            if (s.Status == JobStates.Deleted)
            {
                deleted.TrySetResult();
            }
        });
        JobWatch.FailOnClose(watcher, deleted);
        await watcher.StartAsync();
        try
        {
            await watcher.InvokeAsync("Subscribe", id);
        }
        catch (Microsoft.AspNetCore.SignalR.HubException)
        {
            deleted.TrySetResult(); // purged before the watcher got to subscribe
        }

        gate.Release(1);
        await deleted.Task.WithinHangCap("the retention purge deleting the job");

        Assert.False(Directory.Exists(Folder(host, id)));
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/api/jobs/{id}")).StatusCode);
    }
}
