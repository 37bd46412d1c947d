using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FaceClip.Web.Tests.Jobs;

/// <summary>A job is whole whenever it is opened: its history is kept with it and replayed to every watcher, also
/// after a restart; its downloads are named for it and come in one zip; cancelling shows to every watcher at once.</summary>
public sealed class JobTimelineTests
{
    private static async Task<string> SubmitAsync(JobHost host)
    {
        var response = await host.SubmitAsync(JobHost.Png(), "face.png");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Subscribes and returns what the hub sends first: the state and the job's history.</summary>
    private static async Task<(JobStateMessage State, HistoryMessage History)> OpenAsync(JobHost host, string id)
    {
        await using var hub = host.Hub();
        var state = new TaskCompletionSource<JobStateMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var history = new TaskCompletionSource<HistoryMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobStateMessage>("State", s => state.TrySetResult(s));
        hub.On<HistoryMessage>("History", h => history.TrySetResult(h));
        JobWatch.FailOnClose(hub, history);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", id);
        return (await state.Task.WithinHangCap("the state"), await history.Task.WithinHangCap("the history"));
    }

    [Fact]
    public async Task AFinishedJobReplaysItsWholeHistoryAfterARestart()
    {
        using var cleanup = TempFolder.Create("faceclip-timeline-", out var data);
        string id;
        await using (var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 4), data))
        {
            id = await SubmitAsync(host);
            await JobWatch.UntilFinishedAsync(host.Server, id);
        }

        Assert.True(File.Exists(Path.Combine(data, "jobs", id, JobTimeline.FileName)), "the timeline is kept in the job's folder");
        await using (var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1), data))
        {
            var (state, history) = await OpenAsync(host, id);
            Assert.Equal("Completed", state.Status);
            Assert.Equal("fit", state.Stage);
            Assert.Equal("face", state.Critic);
            Assert.Equal(["mesh.obj"], state.Artifacts);
            Assert.Equal([1, 2, 3, 4], history.Steps.Select(p => p.Iteration));
            Assert.Equal(0.25, history.Steps[^1].Losses["photo"], 6);
        }
    }

    [Fact]
    public async Task DownloadsAreNamedForTheJobAndAllComeInOneZip()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 2));
        var id = await SubmitAsync(host);
        await JobWatch.UntilFinishedAsync(host.Server, id);

        var one = await host.Client.GetAsync($"/api/jobs/{id}/artifacts/mesh.obj");
        Assert.Equal($"faceclip-{id[..8]}-mesh.obj", one.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

        var all = await host.Client.GetAsync($"/api/jobs/{id}/download");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal($"faceclip-{id[..8]}-all.zip", all.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var zip = new ZipArchive(await all.Content.ReadAsStreamAsync());
        var names = zip.Entries.Select(e => e.FullName).Order().ToList();
        Assert.Equal([$"faceclip-{id[..8]}/mesh.obj", $"faceclip-{id[..8]}/{JobTimeline.FileName}"], names);
        using var reader = new StreamReader(zip.GetEntry($"faceclip-{id[..8]}/mesh.obj")!.Open());
        Assert.StartsWith("v 0 0 0", await reader.ReadToEndAsync());
    }

    [Fact]
    public void DownloadNamesSayWhoseTheyAreAndGroupByWhatTheyAreFor()
    {
        var id = JobIds.New();
        var record = new JobRecord
        {
            Id = id, Owner = "browser:test", CreatedAt = DateTimeOffset.UtcNow, Status = JobStatus.Completed, InputFileName = "input.jpg",
            Request = new JobRequest { Prompts = ["look surprised"] },
            Artifacts = ["params.json", "mesh.obj", "mesh.mtl", "texture.png", "mesh.glb", "mesh-obj.zip", "mesh.ply", "render.png", "overlay.png",
                "normal.png", "look-surprised/mesh.glb", "look-surprised/texture.png", "look-surprised/normal.png", "look-surprised/codes.json", "transfer.json"],
        };
        var downloads = JobDownloads.Of(record);
        Assert.DoesNotContain(downloads, d => d.Artifact is "mesh.obj" or "mesh.mtl" or "look-surprised/texture.png" or "look-surprised/normal.png");
        Assert.Equal(DownloadGroup.Texture, downloads.Single(d => d.Artifact == "normal.png").Group);
        Assert.Equal(DownloadGroup.Face, downloads[0].Group);
        var glb = downloads.Single(d => d.Artifact == "mesh.glb");
        Assert.Equal("3D face (GLB)", glb.Title);
        Assert.Equal($"faceclip-{id[..8]}-mesh.glb", glb.FileName);
        Assert.False(string.IsNullOrWhiteSpace(glb.Explanation));
        var prompt = downloads.Single(d => d.Artifact == "look-surprised/mesh.glb");
        Assert.Equal(DownloadGroup.Prompt, prompt.Group);
        Assert.Equal("look surprised", prompt.Prompt);
        Assert.Equal($"faceclip-{id[..8]}-look-surprised-mesh.glb", prompt.FileName);
        Assert.Contains("look surprised", prompt.Explanation, StringComparison.Ordinal);
        Assert.All(downloads, d => Assert.DoesNotMatch("^[A-Z_.]+$", d.Title));
        Assert.Equal(downloads.Count, downloads.Select(d => d.FileName).Distinct().Count());
    }

    [Fact]
    public async Task CancellingShowsToEveryWatcherBeforeTheJobHasStopped()
    {
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 3) { Gate = gate };
        await using var host = await JobHost.StartAsync(executor);
        var id = await SubmitAsync(host);
        gate.Release(1);
        await JobWatch.UntilProgressAsync(host.Server, id, 1);

        await using var hub = host.Hub();
        var statuses = new List<string>();
        var cancelling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobStateMessage>("State", s =>
        {
            lock (statuses)
            {
                statuses.Add(s.Status);
            }

            if (s.Status == "Cancelling")
            {
                cancelling.TrySetResult();
            }

            if (JobWatch.IsFinished(s.Status))
            {
                ended.TrySetResult();
            }
        });
        JobWatch.FailOnClose(hub, ended);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", id);

        // What the job page's Cancel does: every watcher is told at once, and the job is asked to stop.
        var events = host.Services.GetRequiredService<JobEvents>();
        var queue = host.Services.GetRequiredService<JobQueue>();
        await events.CancellingAsync(id);
        Assert.True(await queue.CancelAsync(id));
        await cancelling.Task.WithinHangCap("the watcher hearing of the cancel");
        await ended.Task.WithinHangCap("the job ending");
        lock (statuses)
        {
            Assert.Equal(["Running", "Cancelling", "Cancelled"], statuses);
        }
    }
}
