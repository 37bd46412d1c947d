using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.Core.Runtime;
using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FaceClip.WebBench;

/// <summary>
/// <c>queued [watchers=50] [jobs=200]</c>: the embedded app under a long queue. The app runs in this process on a
/// loopback port with a very short fit; N jobs are submitted at once and every one of W watchers subscribes to every
/// job. While the queue drains, the studio page, the jobs page and the jobs list are fetched once a second. The bench
/// prints whether every watcher saw every job end and every step of it (against the job's saved timeline), and the
/// slowest and median page answers.
/// </summary>
internal static class QueueBench
{
    public static async Task RunAsync(string[] args)
    {
        var watchers = args.Length > 0 ? int.Parse(args[0]) : 50;
        var jobs = args.Length > 1 ? int.Parse(args[1]) : 200;
        var root = ProductPaths.FindRoot();
        var photo = await File.ReadAllBytesAsync(Path.Combine(root, "node_modules", "@vladmandic", "face-api", "demo", "sample1.jpg"));
        var data = Directory.CreateTempSubdirectory("faceclip-queuebench-").FullName;
        using var factory = BenchApp.Start(data, new Dictionary<string, string>
        {
            ["Jobs:QueueCapacity"] = (jobs + 10).ToString(),
            ["Jobs:SubmissionsPerOwner"] = "100000",
            ["Jobs:SubmissionsPerAddress"] = "100000",
            ["Reconstruction:PoseIterations"] = "6",
            ["Reconstruction:ShapeIterations"] = "4",
            ["Reconstruction:Iterations"] = "2",
            ["Reconstruction:PreviewEvery"] = "2",
            ["Reconstruction:TextureSize"] = "64",
        });
        var baseUrl = factory.ClientOptions.BaseAddress;
        using var handler = new HttpClientHandler();
        using var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(30) };
        await http.GetByteArrayAsync("/api/model/topology");

        var ended = new ConcurrentDictionary<(int Watcher, string Job), string>();
        var steps = new ConcurrentDictionary<(int Watcher, string Job), List<int>>();
        var hubs = new List<HubConnection>();
        for (var w = 0; w < watchers; w++)
        {
            var watcher = w;
            var hub = new HubConnectionBuilder().WithUrl(new Uri(baseUrl, "hubs/jobs"), o => o.Cookies = handler.CookieContainer).AddMessagePackProtocol().Build();
            hub.On<JobStateMessage>("State", s =>
            {
                if (s.Status is "Completed" or "Failed" or "Cancelled" or "Interrupted")
                {
                    ended[(watcher, s.JobId)] = s.Status;
                }
            });
            hub.On<HistoryMessage>("History", h =>
            {
                var list = steps.GetOrAdd((watcher, h.JobId), _ => []);
                lock (list)
                {
                    list.AddRange(h.Steps.Select(p => p.Iteration));
                }
            });
            hub.On<ProgressMessage>("Progress", p =>
            {
                var list = steps.GetOrAdd((watcher, p.JobId), _ => []);
                lock (list)
                {
                    list.Add(p.Iteration);
                }
            });
            await hub.StartAsync();
            hubs.Add(hub);
        }

        var clock = Stopwatch.StartNew();
        var ids = new List<string>();
        for (var i = 0; i < jobs; i++)
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(photo), "image", "sample1.jpg" } };
            var response = await http.PostAsync("/api/jobs", form);
            response.EnsureSuccessStatusCode();
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        Console.WriteLine($"{jobs} jobs queued in {clock.Elapsed.TotalSeconds:F1} s");
        await Task.WhenAll(hubs.Select(h => Task.WhenAll(ids.Select(id => h.InvokeAsync("Subscribe", id)))));
        Console.WriteLine($"{watchers} watchers subscribed to every job at {clock.Elapsed.TotalSeconds:F1} s");

        var pages = new ConcurrentDictionary<string, List<double>>();
        using var stop = new CancellationTokenSource();
        var probe = Task.Run(async () =>
        {
            using var browser = new HttpClient(new HttpClientHandler { CookieContainer = handler.CookieContainer }) { BaseAddress = baseUrl };
            while (!stop.IsCancellationRequested)
            {
                foreach (var page in new[] { "/", "/jobs", "/api/jobs" })
                {
                    var t = Stopwatch.StartNew();
                    (await browser.GetAsync(page)).EnsureSuccessStatusCode();
                    pages.GetOrAdd(page, _ => []).Add(t.Elapsed.TotalSeconds);
                }

                await Task.Delay(1000);
            }
        });

        while (ended.Count < watchers * jobs)
        {
            await Task.Delay(1000);
        }

        var total = clock.Elapsed;
        await stop.CancelAsync();
        await probe;
        var store = factory.Services.GetRequiredService<JobStore>();
        var whole = 0;
        foreach (var id in ids)
        {
            var timeline = await JobTimeline.LoadAsync(store, id, CancellationToken.None);
            var expected = timeline!.Steps.Select(p => p.Iteration).ToList();
            whole += Enumerable.Range(0, watchers).Count(w => steps.TryGetValue((w, id), out var seen) && seen.SequenceEqual(expected));
        }

        var completed = ended.Values.Count(s => s == "Completed");
        Console.WriteLine($"all ended in {total.TotalSeconds:F0} s; {completed}/{watchers * jobs} (watcher, job) pairs saw Completed; {whole}/{watchers * jobs} saw every step in order");
        foreach (var (page, times) in pages.OrderBy(p => p.Key))
        {
            var sorted = times.Order().ToArray();
            Console.WriteLine($"  GET {page,-9} {sorted.Length} times while the queue drained: median {sorted[sorted.Length / 2] * 1000:F0} ms, slowest {sorted[^1] * 1000:F0} ms");
        }

        foreach (var hub in hubs)
        {
            await hub.DisposeAsync();
        }

        Directory.Delete(data, recursive: true);
    }
}
