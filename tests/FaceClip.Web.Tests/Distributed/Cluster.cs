using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FaceClip.TestSupport;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FaceClip.Web.Tests.Distributed;

/// <summary>A cluster of the real app on this machine: web nodes and workers as separate processes of the built
/// FaceClip.Web, on one PostgreSQL database, one Redis key prefix and one shared data folder, with a fit short enough
/// for a test. Each node's output goes to a log whose tail a failing test can quote.</summary>
public sealed class Cluster : IAsyncDisposable
{
    public const string OwnerKey = "cluster-owner-key-0123456789";
    public const string StrangerKey = "cluster-stranger-key-0123456789";

    private readonly List<Node> _nodes = [];

    private Cluster(string database, string prefix, string data)
    {
        Database = database;
        Prefix = prefix;
        DataDirectory = data;
    }

    public string Database { get; }
    public string Prefix { get; }
    public string DataDirectory { get; }
    public IReadOnlyList<Node> Nodes => _nodes;
    public IEnumerable<Node> Web => _nodes.Where(n => n.Role == "web");
    public IEnumerable<Node> Workers => _nodes.Where(n => n.Role == "worker");

    /// <summary>Starts the nodes and waits until every one answers <c>/health</c>.</summary>
    public static async Task<Cluster> StartAsync(int web, int workers, IReadOnlyDictionary<string, string>? settings = null)
    {
        var cluster = new Cluster(await DistributedServices.NewDatabaseAsync(), DistributedServices.NewPrefix(),
            Directory.CreateTempSubdirectory("faceclip-cluster-").FullName);
        // Workers first: the web nodes' start does not wait for them, but the jobs do.
        for (var i = 0; i < workers; i++)
        {
            cluster._nodes.Add(cluster.Launch("worker", $"worker-{i}", settings));
        }

        for (var i = 0; i < web; i++)
        {
            cluster._nodes.Add(cluster.Launch("web", $"web-{i}", settings));
        }

        await Task.WhenAll(cluster._nodes.Select(n => n.WaitHealthyAsync()));
        return cluster;
    }

    private Node Launch(string role, string name, IReadOnlyDictionary<string, string>? settings)
    {
        var port = FreePort();
        var dll = Path.Combine(SharedAssets.RepositoryRoot, "src", "FaceClip.Web", "bin", Configuration, "net10.0", "FaceClip.Web.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["FACECLIP_HOME"] = SharedAssets.RepositoryRoot,
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Node__Role"] = role,
            ["Node__Name"] = name,
            ["Jobs__Backend"] = "distributed",
            ["Jobs__DataDirectory"] = DataDirectory,
            ["Jobs__RedisPrefix"] = Prefix,
            ["Jobs__HeartbeatSeconds"] = "0.5",
            // Well above any stall of a busy machine's heartbeat: only a dead worker's job is reclaimed.
            ["Jobs__ReclaimAfterSeconds"] = "15",
            ["Jobs__PollMilliseconds"] = "100",
            ["Jobs__QueueCapacity"] = "40",
            ["Jobs__SubmissionsPerOwner"] = "500",
            ["Jobs__SubmissionsPerAddress"] = "500",
            ["Jobs__RetentionHours"] = "0",
            ["ConnectionStrings__Redis"] = DistributedServices.Redis,
            ["ConnectionStrings__Postgres"] = Database,
            ["Models__Mirror"] = SharedAssets.Models,
            ["Models__AllowDownload"] = "false",
            ["Compute__Threads"] = "1",
            ["Owners__ApiKeys__0__Owner"] = "owner",
            ["Owners__ApiKeys__0__Key"] = OwnerKey,
            ["Owners__ApiKeys__1__Owner"] = "stranger",
            ["Owners__ApiKeys__1__Key"] = StrangerKey,
            ["Reconstruction__PoseIterations"] = "20",
            ["Reconstruction__ShapeIterations"] = "10",
            ["Reconstruction__Iterations"] = "4",
            ["Reconstruction__PreviewEvery"] = "2",
            ["Reconstruction__TextureSize"] = "64",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = Path.Combine(DataDirectory, $"{name}.log");
        var process = Process.Start(start)!;
        var writer = new LogFile(log);
        process.OutputDataReceived += (_, e) => writer.Write(e.Data);
        process.ErrorDataReceived += (_, e) => writer.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Node(role, name, new Uri($"http://127.0.0.1:{port}/"), process, log, writer);
    }

    private static string Configuration => AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The last lines of every node's log, for a failure message.</summary>
    public string Logs() => string.Join("\n", _nodes.Select(n => $"--- {n.Name} ---\n{n.Tail()}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Stop();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        await Task.CompletedTask;
    }

    /// <summary>A node's log: lines from its output until the node is stopped.</summary>
    public sealed class LogFile(string path)
    {
        private readonly StreamWriter _writer = new(path) { AutoFlush = true };
        private bool _closed;

        public void Write(string? line)
        {
            lock (_writer)
            {
                if (line is not null && !_closed)
                {
                    _writer.WriteLine(line);
                }
            }
        }

        public void Close()
        {
            lock (_writer)
            {
                _closed = true;
                _writer.Dispose();
            }
        }
    }

    public sealed class Node(string role, string name, Uri url, Process process, string log, LogFile writer)
    {
        public string Role { get; } = role;
        public string Name { get; } = name;
        public Uri Url { get; } = url;
        public bool Running => !process.HasExited;

        /// <summary>A REST client with an API key.</summary>
        public HttpClient Client(string key = OwnerKey)
        {
            var client = new HttpClient { BaseAddress = Url, Timeout = TestWaits.HangCap };
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            return client;
        }

        /// <summary>A hub connection to this node (WebSockets, as a browser's).</summary>
        public HubConnection Hub(string key = OwnerKey)
        {
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(Url, "hubs/jobs"), o => o.Headers["X-Api-Key"] = key)
                .AddMessagePackProtocol()
                .Build();
            hub.ServerTimeout = TestWaits.HangCap;
            hub.HandshakeTimeout = TestWaits.HangCap;
            return hub;
        }

        public async Task WaitHealthyAsync()
        {
            using var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
            var waited = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"Node {Name} exited with {process.ExitCode} during its start:\n{Tail()}");
                }

                try
                {
                    if ((await client.GetAsync("health")).StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                if (waited.Elapsed > TestWaits.HangCap)
                {
                    throw new TimeoutException($"Node {Name} did not become healthy:\n{Tail()}");
                }

                await Task.Delay(200);
            }
        }

        /// <summary>Kills the process at once (SIGKILL): nothing of it runs any more, no clean-up.</summary>
        public void KillHard()
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        public void Stop()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
            writer.Close();
        }

        public string Tail(int lines = 40)
        {
            try
            {
                using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
            }
            catch (IOException ex)
            {
                return ex.Message;
            }
        }
    }
}
