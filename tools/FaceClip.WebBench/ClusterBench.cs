using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.Web.Jobs;
using FaceClip.Web.Tests.Distributed;
using Microsoft.AspNetCore.SignalR.Client;

namespace FaceClip.WebBench;

/// <summary>
/// <c>cluster [jobs=8] [workers=1,2]</c>: the distributed backend on this machine. For each worker count, a cluster of
/// two web nodes and that many workers runs as separate processes of the built app (the short fit of the cluster test,
/// one LibTorch thread per worker) on the Redis and PostgreSQL that <c>scripts/services.sh start</c> runs; every worker
/// is warmed with one job first. Then N jobs are submitted alternately to the two web nodes, each watched from the
/// other node, and the bench prints jobs per minute, the time from a submit to the first event streamed to the other
/// node's watcher (median and worst), and the events per second each watching client received.
/// </summary>
internal static class ClusterBench
{
    public static async Task RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0]) : 8;
        var counts = args.Length > 1 ? args[1].Split(',').Select(int.Parse).ToArray() : [1, 2];
        var photo = await File.ReadAllBytesAsync(FaceClip.TestSupport.SharedAssets.SamplePhoto(1));
        Console.WriteLine($"cluster bench: 2 web nodes, {jobs} jobs of sample1.jpg (short fit), {Environment.ProcessorCount} cores");
        foreach (var workers in counts)
        {
            await using var cluster = await Cluster.StartAsync(web: 2, workers: workers);
            var web = cluster.Web.ToArray();
            var clients = web.Select(n => n.Client()).ToArray();
            var first = new ConcurrentDictionary<string, TimeSpan>();
            var done = new ConcurrentDictionary<string, TaskCompletionSource<string>>();
            var events = new long[web.Length];
            var clock = Stopwatch.StartNew();
            var hubs = new List<HubConnection>();
            for (var h = 0; h < web.Length; h++)
            {
                var index = h;
                var hub = web[h].Hub();
                void Seen(string jobId, string? status = null)
                {
                    Interlocked.Increment(ref events[index]);
                    if (status is not "Queued")
                    {
                        first.TryAdd(jobId, clock.Elapsed);
                    }

                    if (status is "Completed" or "Failed" or "Cancelled" or "Interrupted" && done.TryGetValue(jobId, out var end))
                    {
                        end.TrySetResult(status);
                    }
                }

                hub.On<JobStateMessage>("State", s => Seen(s.JobId, s.Status));
                hub.On<ProgressMessage>("Progress", p => Seen(p.JobId));
                hub.On<RenderMessage>("Render", r => Seen(r.JobId));
                hub.On<VerticesMessage>("Vertices", v => Seen(v.JobId));
                hub.On<HistoryMessage>("History", _ => { });
                await hub.StartAsync();
                hubs.Add(hub);
            }

            async Task<(string Id, TimeSpan Submitted)> SubmitAsync(int i)
            {
                using var form = new MultipartFormDataContent { { new ByteArrayContent(photo), "image", "sample1.jpg" } };
                var submitted = clock.Elapsed;
                var response = await clients[i % 2].PostAsync("api/jobs", form);
                response.EnsureSuccessStatusCode();
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                done[id] = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                await hubs[(i + 1) % 2].InvokeAsync("Subscribe", id);
                return (id, submitted);
            }

            // Warm-up: one job per worker, so every worker has loaded its models.
            var warm = new List<string>();
            for (var i = 0; i < workers; i++)
            {
                warm.Add((await SubmitAsync(i)).Id);
            }

            await Task.WhenAll(warm.Select(id => done[id].Task));
            Array.Clear(events);
            var start = clock.Elapsed;
            var submitted = new List<(string Id, TimeSpan Submitted)>();
            for (var i = 0; i < jobs; i++)
            {
                submitted.Add(await SubmitAsync(i));
            }

            var statuses = await Task.WhenAll(submitted.Select(s => done[s.Id].Task));
            var elapsed = clock.Elapsed - start;
            var latencies = submitted.Select(s => (first[s.Id] - s.Submitted).TotalSeconds).Order().ToArray();
            Console.WriteLine($"workers {workers}: {statuses.Count(s => s == "Completed")}/{jobs} completed in {elapsed.TotalSeconds:F1} s = {jobs / elapsed.TotalMinutes:F1} jobs per minute");
            Console.WriteLine($"  submit to first streamed event on the other node: first job {latencies.Length switch { 0 => 0, _ => (first[submitted[0].Id] - submitted[0].Submitted).TotalSeconds }:F2} s, median {latencies[latencies.Length / 2]:F2} s, worst {latencies[^1]:F2} s");
            Console.WriteLine($"  events per second per watching client: {string.Join(", ", events.Select(e => $"{e / elapsed.TotalSeconds:F1}"))}");
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }
    }
}
