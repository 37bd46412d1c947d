using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.SignalR.Client;
using StackExchange.Redis;

namespace FaceClip.Web.Tests.Distributed;

/// <summary>
/// The distributed backend end to end, with every node a separate process of the real app: two web nodes and two
/// workers on PostgreSQL, Redis and a shared folder. Real fits (short ones) of a sample photo.
/// </summary>
public sealed class ClusterTests
{
    private static readonly byte[] Photo = File.ReadAllBytes(
        Path.Combine(SharedAssets.RepositoryRoot, "node_modules", "@vladmandic", "face-api", "demo", "sample1.jpg"));

    /// <summary>Everything one job's watcher received, in order.</summary>
    private sealed class Watch
    {
        public List<string> Statuses { get; } = [];
        public List<(string Stage, int Iteration)> Steps { get; } = [];
        public List<string> Order { get; } = [];
        public TaskCompletionSource<JobStateMessage> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Progressing { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static async Task<string> SubmitAsync(HttpClient client, int? iterations = null)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Photo), "image", "sample1.jpg");
        if (iterations is { } n)
        {
            form.Add(new StringContent(n.ToString()), "iterations");
        }

        var response = await client.PostAsync("api/jobs", form);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>One hub connection per node, routing each job's events to its watch.</summary>
    private static async Task<HubConnection> ConnectAsync(Cluster.Node node, ConcurrentDictionary<string, Watch> watches)
    {
        var hub = node.Hub();
        void Record(string jobId, Action<Watch> action)
        {
            if (watches.TryGetValue(jobId, out var watch))
            {
                lock (watch)
                {
                    action(watch);
                }
            }
        }

        hub.On<JobStateMessage>("State", s => Record(s.JobId, w =>
        {
            w.Statuses.Add(s.Status);
            w.Order.Add("state:" + s.Status);
            if (s.Status is "Completed" or "Failed" or "Cancelled" or "Interrupted")
            {
                w.Ended.TrySetResult(s);
            }
        }));
        hub.On<HistoryMessage>("History", h => Record(h.JobId, w =>
        {
            w.Steps.AddRange(h.Steps.Select(p => (p.Stage, p.Iteration)));
            w.Order.Add("history");
        }));
        hub.On<ProgressMessage>("Progress", p => Record(p.JobId, w =>
        {
            w.Steps.Add((p.Stage, p.Iteration));
            w.Order.Add("progress");
            if (w.Steps.Count >= 3)
            {
                w.Progressing.TrySetResult();
            }
        }));
        await hub.StartAsync();
        return hub;
    }

    [Fact]
    public async Task TwoWebNodesAndTwoWorkersRunEveryJobWatchedFromTheOtherNodeAndSurviveAWorkerKilledMidJob()
    {
        await using var cluster = await Cluster.StartAsync(web: 2, workers: 2).WithinHangCap("the cluster starting");
        var web = cluster.Web.ToArray();
        var watches = new ConcurrentDictionary<string, Watch>();
        var hubs = await Task.WhenAll(web.Select(n => ConnectAsync(n, watches)));
        try
        {
            // 20 jobs submitted alternately to the two web nodes; each is watched from the other node.
            var clients = web.Select(n => n.Client()).ToArray();
            var ids = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                var id = await SubmitAsync(clients[i % 2]);
                watches[id] = new Watch();
                await hubs[(i + 1) % 2].InvokeAsync("Subscribe", id);
                ids.Add(id);
            }

            foreach (var id in ids)
            {
                var end = await watches[id].Ended.Task.WithinHangCap($"job {id} ending\n{cluster.Logs()}");
                Assert.True(end.Status == "Completed", $"job {id}: {end.Status} {end.Error}\n{cluster.Logs()}");
            }

            using var store = new PostgresJobStore(cluster.DataDirectory, cluster.Database);
            foreach (var id in ids)
            {
                var watch = watches[id];
                var timeline = await JobTimeline.LoadAsync(store, id, CancellationToken.None);
                Assert.NotNull(timeline);
                lock (watch)
                {
                    // Every step the job reported, each once, in the order it was reported; the end comes last.
                    Assert.Equal(timeline.Steps.Select(p => (p.Stage, p.Iteration)), watch.Steps);
                    Assert.NotEmpty(watch.Steps);
                    Assert.Equal("state:Completed", watch.Order[^1]);
                    Assert.Equal(1, watch.Statuses.Count(s => s == "Completed"));
                    var firstRunning = watch.Statuses.IndexOf("Running");
                    Assert.True(watch.Statuses.IndexOf("Queued") <= firstRunning, string.Join(",", watch.Statuses));
                }
            }

            // Both nodes list all 20 jobs to their owner, and none to a stranger, who cannot read or delete them either.
            foreach (var node in web)
            {
                var listed = await node.Client().GetFromJsonAsync<JsonElement[]>("api/jobs");
                Assert.Equal(ids.Order(), listed!.Select(j => j.GetProperty("id").GetString()!).Order());
                using var stranger = node.Client(Cluster.StrangerKey);
                Assert.Empty((await stranger.GetFromJsonAsync<JsonElement[]>("api/jobs"))!);
                Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"api/jobs/{ids[0]}")).StatusCode);
                Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"api/jobs/{ids[0]}/input")).StatusCode);
                Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"api/jobs/{ids[1]}")).StatusCode);
            }

            // A worker killed (SIGKILL) in the middle of a job: the other worker reclaims it and completes it.
            var long_ = await SubmitAsync(clients[0], iterations: 400);
            watches[long_] = new Watch();
            await hubs[1].InvokeAsync("Subscribe", long_);
            await watches[long_].Progressing.Task.WithinHangCap("the long job running");
            using var redis = await ConnectionMultiplexer.ConnectAsync(DistributedServices.Redis);
            var holder = (string?)await redis.GetDatabase().HashGetAsync(cluster.Prefix + ":running", long_);
            var victim = cluster.Workers.Single(w => w.Name == holder);
            Assert.Equal(HttpStatusCode.NotFound, (await clients[0].GetAsync($"api/jobs/{long_}/artifacts/mesh.glb")).StatusCode);
            victim.KillHard();

            var ended = await watches[long_].Ended.Task.WithinHangCap($"the reclaimed job ending\n{cluster.Logs()}");
            Assert.True(ended.Status == "Completed", $"{ended.Status} {ended.Error}\n{cluster.Logs()}");
            var survivor = cluster.Workers.Single(w => w != victim);
            Assert.Contains($"Job {long_} reclaimed by {survivor.Name}", survivor.Tail(400));
            var record = await store.GetAsync(long_);
            Assert.Equal(JobStatus.Completed, record!.Status);
            Assert.NotEmpty(record.Artifacts);
            foreach (var artifact in record.Artifacts)
            {
                var response = await clients[1].GetAsync($"api/jobs/{long_}/artifacts/{artifact}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 0, artifact);
            }

            Assert.Empty(Directory.EnumerateFiles(store.JobDirectory(long_), "*.tmp", SearchOption.AllDirectories));
            Assert.Empty(Directory.EnumerateDirectories(store.JobDirectory(long_), ".staging-*", SearchOption.AllDirectories));
            var glb = await clients[1].GetByteArrayAsync($"api/jobs/{long_}/artifacts/mesh.glb");
            Assert.Equal("glTF"u8.ToArray(), glb[..4]);
            Assert.Equal(BitConverter.ToUInt32(glb, 8), (uint)glb.Length); // a whole file, as its header says
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }
    }
}
