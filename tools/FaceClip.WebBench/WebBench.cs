// faceclip web bench [watchers=10] [full-stage iterations=60] [prompt]: runs the web app on a loopback port, submits a sample photo over REST while N clients watch
// the job over the jobs hub (MessagePack), and prints: time from submit to the first streamed render, events per
// second delivered to the watchers, and bytes per event by kind. `memory [jobs=20]` measures the server's memory
// over jobs in a row instead (MemoryBench); `cluster [jobs=8] [workers=1,2]` measures the distributed backend (ClusterBench);
// `queued [watchers=50] [jobs=200]` a long queue watched by many clients (QueueBench).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.Core.Runtime;
using FaceClip.Web.Jobs;
using MessagePack;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FaceClip.WebBench;

/// <summary>The web bench (see the comment at the top).</summary>
internal static class WebBench
{
    public static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "memory")
        {
            await MemoryBench.RunAsync(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "queued")
        {
            await QueueBench.RunAsync(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "cluster")
        {
            await ClusterBench.RunAsync(args[1..]);
            return;
        }

        var watchers = args.Length > 0 ? int.Parse(args[0]) : 10;
        var iterations = args.Length > 1 ? args[1] : "60";
        var prompt = args.Length > 2 ? args[2] : null;
        var root = ProductPaths.FindRoot();
        var photo = Path.Combine(root, "node_modules", "@vladmandic", "face-api", "demo", "sample1.jpg");
        var data = Directory.CreateTempSubdirectory("faceclip-webbench-").FullName;
        using var factory = BenchApp.Start(data, new Dictionary<string, string> { ["Reconstruction:Iterations"] = iterations });
        var baseUrl = factory.ClientOptions.BaseAddress;
        // One owner: the REST client keeps the owner cookie the app sets, and the watchers present it too.
        using var handler = new HttpClientHandler();
        using var http = new HttpClient(handler) { BaseAddress = baseUrl };

        // Warm the models so the figure is the job's, not the first load.
        await http.GetByteArrayAsync("/api/model/topology");

        var counts = new ConcurrentDictionary<string, long>();
        var bytes = new ConcurrentDictionary<string, long>();
        void Count(string kind, object message)
        {
            counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
            bytes.AddOrUpdate(kind, MessagePackSerializer.Serialize(message.GetType(), message, MessagePack.Resolvers.ContractlessStandardResolver.Options).Length, (_, n) => n + MessagePackSerializer.Serialize(message.GetType(), message, MessagePack.Resolvers.ContractlessStandardResolver.Options).Length);
        }

        var connections = new List<HubConnection>();
        var finished = new CountdownEvent(watchers);
        var firstRender = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var finalStatus = "";
        for (var i = 0; i < watchers; i++)
        {
            var hub = new HubConnectionBuilder().WithUrl(new Uri(baseUrl, "hubs/jobs"), o => o.Cookies = handler.CookieContainer).AddMessagePackProtocol().Build();
            var done = false;
            hub.On<JobStateMessage>("State", s =>
            {
                Count("state", s);
                if (!done && s.Status is "Completed" or "Failed" or "Cancelled")
                {
                    done = true;
                    finalStatus = s.Status;
                    finished.Signal();
                }
            });
            hub.On<ProgressMessage>("Progress", p => Count("progress", p));
            hub.On<RenderMessage>("Render", r =>
            {
                Count("render", r);
                firstRender.TrySetResult(clock.Elapsed);
            });
            hub.On<VerticesMessage>("Vertices", v => Count("vertices", v));
            await hub.StartAsync();
            connections.Add(hub);
        }

        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(photo)), "image", "sample1.jpg" } };
        if (prompt is not null)
        {
            form.Add(new StringContent(prompt), "prompts");
        }

        clock.Start();
        var response = await http.PostAsync("/api/jobs", form);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        foreach (var hub in connections)
        {
            await hub.InvokeAsync("Subscribe", id);
        }

        var toFirstRender = await firstRender.Task.WaitAsync(TimeSpan.FromMinutes(10));
        finished.Wait(TimeSpan.FromMinutes(20));
        var total = clock.Elapsed;
        var events = counts.Values.Sum();
        Console.WriteLine($"watchers {watchers}; job {finalStatus} in {total.TotalSeconds:F1} s; submit to first streamed render {toFirstRender.TotalSeconds:F2} s");
        Console.WriteLine($"events delivered {events} ({events / total.TotalSeconds:F0} per second to {watchers} clients, {events / (double)watchers / total.TotalSeconds:F1} per client per second)");
        foreach (var kind in counts.Keys.Order())
        {
            Console.WriteLine($"  {kind,-9} {counts[kind] / watchers,6} per client, {bytes[kind] / counts[kind],9:N0} bytes per event");
        }

        foreach (var hub in connections)
        {
            await hub.DisposeAsync();
        }

        Directory.Delete(data, recursive: true);
    }
}
