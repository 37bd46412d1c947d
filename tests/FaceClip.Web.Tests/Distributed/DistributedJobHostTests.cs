using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using FaceClip.Web.Tests.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FaceClip.Web.Tests.Distributed;

/// <summary>The distributed backend in two in-memory nodes sharing PostgreSQL, Redis and a data folder, with the
/// scripted executor: a queue shared by every web node, and cancel and delete that reach a job running on another
/// node.</summary>
public sealed class DistributedJobHostTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("faceclip-distributed-").FullName;
    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync() => _settings = new Dictionary<string, string?>
    {
        ["Jobs:Backend"] = "distributed",
        ["Jobs:RedisPrefix"] = DistributedServices.NewPrefix(),
        ["Jobs:PollMilliseconds"] = "50",
        ["Jobs:HeartbeatSeconds"] = "0.5",
        ["ConnectionStrings:Redis"] = DistributedServices.Redis,
        ["ConnectionStrings:Postgres"] = await DistributedServices.NewDatabaseAsync(),
    };

    public Task DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    private Task<JobHost> NodeAsync(string role, IJobExecutor executor, int queueCapacity = 4) =>
        JobHost.StartAsync(executor, _data, queueCapacity, settings: new Dictionary<string, string?>(_settings) { ["Node:Role"] = role, ["Node:Name"] = role + "-" + Guid.NewGuid().ToString("N")[..6] });

    /// <summary>A node that runs jobs and a web node; a job submitted to the web node, running on the other node and
    /// held by its scripted executor until the gate is opened.</summary>
    private async Task<(JobHost Worker, JobHost Web, SemaphoreSlim Gate, string Id)> RunningOnAnotherNodeAsync()
    {
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 3) { Gate = gate };
        var worker = await NodeAsync("all", executor);
        var web = await NodeAsync("web", new ScriptedExecutor());
        var id = await JobHost.IdOf(await web.SubmitAsync(JobHost.Png()));
        await executor.Started.Task.WithinHangCap("the job starting on the worker");
        return (worker, web, gate, id);
    }

    [Fact]
    public async Task TheQueueIsOneForEveryWebNodeAndAFullQueueAnswers429()
    {
        await using var a = await NodeAsync("web", new ScriptedExecutor(), queueCapacity: 2);
        await using var b = await NodeAsync("web", new ScriptedExecutor(), queueCapacity: 2);
        await JobHost.IdOf(await a.SubmitAsync(JobHost.Png()));
        await JobHost.IdOf(await b.SubmitAsync(JobHost.Png()));
        var refused = await b.SubmitAsync(JobHost.Png());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await a.SubmitAsync(JobHost.Png())).StatusCode);

        // Both nodes list both jobs to their owner and none to a stranger.
        Assert.Equal(2, (await a.Client.GetFromJsonAsync<JsonElement>("/api/jobs")).GetArrayLength());
        Assert.Equal(2, (await b.Client.GetFromJsonAsync<JsonElement>("/api/jobs")).GetArrayLength());
        Assert.Equal(0, (await b.Stranger.GetFromJsonAsync<JsonElement>("/api/jobs")).GetArrayLength());
    }

    [Fact]
    public async Task ACancelOnOneWebNodeStopsTheJobOnAnotherNodesWorkerAndEveryWatcherSeesItInOrder()
    {
        var (worker, web, gate, id) = await RunningOnAnotherNodeAsync();
        await using var workerNode = worker;
        await using var webNode = web;

        var states = new List<string>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watcher = web.Hub();
        watcher.On<JobStateMessage>("State", s =>
        {
            lock (states)
            {
                states.Add(s.Status);
            }

            if (s.Status == "Cancelled")
            {
                ended.TrySetResult();
            }
        });
        JobWatch.FailOnClose(watcher, ended);
        await watcher.StartAsync();
        await watcher.InvokeAsync("Subscribe", id);
        gate.Release(1);
        await JobWatch.UntilProgressAsync(web.Server, id, 1);

        Assert.Equal(HttpStatusCode.Accepted, (await web.Client.PostAsync($"/api/jobs/{id}/cancel", null)).StatusCode);
        await ended.Task.WithinHangCap("the watcher on the web node hearing the job end");
        lock (states)
        {
            // A running job publishes a state per stage: how many the watcher sees depends on when it joined; the order does not.
            var changes = states.Where((s, i) => i == 0 || states[i - 1] != s).SkipWhile(s => s == "Queued");
            Assert.Equal(["Running", "Cancelling", "Cancelled"], changes);
        }

        Assert.Equal(JobStatus.Cancelled, (await web.Services.GetRequiredService<JobStore>().GetAsync(id))!.Status);
    }

    [Fact]
    public async Task DeletingOnOneWebNodeAJobRunningOnAnotherNodeRemovesEverything()
    {
        var (worker, web, gate, id) = await RunningOnAnotherNodeAsync();
        await using var workerNode = worker;
        await using var webNode = web;

        var deleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watcher = worker.Hub(); // watched on the node that runs it, deleted from the other
        watcher.On<JobStateMessage>("State", s =>
        {
            if (s.Status == JobStates.Deleted)
            {
                deleted.TrySetResult();
            }
        });
        JobWatch.FailOnClose(watcher, deleted);
        await watcher.StartAsync();
        await watcher.InvokeAsync("Subscribe", id);

        Assert.Equal(HttpStatusCode.NoContent, (await web.Client.DeleteAsync($"/api/jobs/{id}")).StatusCode);
        await deleted.Task.WithinHangCap("the other node's watcher hearing of the deletion");
        Assert.Null(await worker.Services.GetRequiredService<JobStore>().GetAsync(id));
        Assert.False(Directory.Exists(Path.Combine(_data, "jobs", id)));
        Assert.Equal(HttpStatusCode.NotFound, (await worker.Client.GetAsync($"/api/jobs/{id}")).StatusCode);

        // The worker is free again and runs the next job.
        gate.Release(3);
        var next = await JobHost.IdOf(await web.SubmitAsync(JobHost.Png()));
        Assert.Equal("Completed", (await JobWatch.UntilFinishedAsync(web.Server, next)).Status);
    }

    [Fact]
    public async Task AWebNodeServesPagesAndTheViewersMeshWithoutLoadingAModelAndAWorkerServesOnlyItsHealth()
    {
        WebApplicationFactory<Program> Node(string role) => new FaceClipWebFactory().WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in _settings)
            {
                b.UseSetting(key, value);
            }

            b.UseSetting("Jobs:DataDirectory", _data);
            b.UseSetting("Node:Role", role);
        });

        await using var web = Node("web");
        var client = web.CreateClient();
        var topology = await client.GetByteArrayAsync("/api/model/topology");
        Assert.True(topology.Length > 30_000 && topology.Length % 12 == 0, $"{topology.Length} bytes");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        var provider = web.Services.GetRequiredService<FaceClip.Web.Hosting.ReconstructorProvider>();
        Assert.False(provider.LoadsModels);
        Assert.False(provider.IsLoaded);
        Assert.Throws<InvalidOperationException>(() => provider.Get());
        Assert.DoesNotContain(web.Services.GetServices<IHostedService>(), s => s is JobWorker);

        await using var worker = Node("worker");
        var workerClient = worker.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await workerClient.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workerClient.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await workerClient.GetAsync("/api/jobs")).StatusCode);
        Assert.Contains(worker.Services.GetServices<IHostedService>(), s => s is JobWorker);
    }

    [Fact]
    public void ARoleThatNeedsTheClusterIsRefusedWithTheEmbeddedBackend()
    {
        using var factory = new FaceClipWebFactory().WithWebHostBuilder(b => b.UseSetting("Node:Role", "web"));
        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());
        Assert.Contains("Jobs:Backend distributed", error.Message);
    }
}
