using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.SignalR.Client;

namespace FaceClip.Web.Tests.Jobs;

public sealed class JobsApiTests
{
    /// <summary>Waits for the job's final state on the hub, then reads the job over REST: it must be in <paramref name="status"/>.</summary>
    private static async Task<JsonElement> WaitForStatusAsync(JobHost host, string id, string status)
    {
        var final = await JobWatch.UntilFinishedAsync(host.Server, id);
        var job = await host.Client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        Assert.True(job.GetProperty("status").GetString() == status,
            $"Job {id} is {job.GetProperty("status")} (the hub said {final.Status}: {final.Error}), not {status}.");
        return job;
    }

    private static async Task<string> IdOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetString()!;
        Assert.True(JobIds.IsWellFormed(id));
        Assert.Equal($"/api/jobs/{id}", response.Headers.Location!.OriginalString);
        return id;
    }

    [Fact]
    public async Task ASubmittedJobRunsToCompletionAndItsArtifactDownloads()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor());
        var id = await IdOf(await host.SubmitAsync(JobHost.Png(), "face.png", "smile", "look surprised"));

        var job = await WaitForStatusAsync(host, id, "Completed");
        Assert.Equal(["smile", "look surprised"], job.GetProperty("request").GetProperty("prompts").EnumerateArray().Select(p => p.GetString()));
        var url = job.GetProperty("urls").GetProperty("artifacts").GetProperty("mesh.obj").GetString();
        var mesh = await host.Client.GetStringAsync(url);
        Assert.StartsWith("v 0 0 0", mesh);
        Assert.True(File.Exists(Path.Combine(host.DataDirectory, "jobs", id, "input.png")));
    }

    [Fact]
    public async Task AWatcherReceivesEveryEventInOrderThroughCompletion()
    {
        var gate = new SemaphoreSlim(0);
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 6) { Gate = gate });
        var id = await IdOf(await host.SubmitAsync(JobHost.Jpeg(), "face.jpg"));

        await using var hub = host.Hub();
        var events = new List<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobStateMessage>("State", s =>
        {
            lock (events)
            {
                events.Add($"state:{s.Status}");
            }

            if (JobWatch.IsFinished(s.Status))
            {
                done.TrySetResult();
            }
        });
        hub.On<ProgressMessage>("Progress", p => { lock (events) { events.Add($"progress:{p.Iteration}"); } });
        hub.On<RenderMessage>("Render", r => { lock (events) { events.Add($"render:{r.Png[^1]}"); } });
        hub.On<VerticesMessage>("Vertices", v =>
        {
            var first = BitConverter.ToSingle(v.Positions, 0);
            lock (events)
            {
                events.Add($"vertices:{v.VertexCount}:{first}");
            }
        });
        JobWatch.FailOnClose(hub, done);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", id);
        gate.Release(6);
        await done.Task.WithinHangCap("the watcher seeing the job finish");

        List<string> seen;
        lock (events)
        {
            seen = [.. events];
        }

        Assert.StartsWith("state:", seen[0]);
        Assert.Equal("state:Completed", seen[^1]);
        var steps = seen.Where(e => !e.StartsWith("state:", StringComparison.Ordinal)).ToList();
        var expected = Enumerable.Range(1, 6).SelectMany(i => new[] { $"progress:{i}", $"render:{i}", $"vertices:2:{i}" }).ToList();
        Assert.Equal(expected, steps);
    }

    [Fact]
    public async Task ALateWatcherFirstReceivesTheCurrentState()
    {
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 3) { Gate = gate };
        await using var host = await JobHost.StartAsync(executor);
        var id = await IdOf(await host.SubmitAsync(JobHost.Png()));
        gate.Release(2);
        await WaitForProgress(host, id, 2);

        await using var hub = host.Hub();
        var first = new List<object>();
        var got = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobStateMessage>("State", s => { lock (first) { first.Add(s); } });
        hub.On<HistoryMessage>("History", h => { lock (first) { first.Add(h); } got.TrySetResult(); });
        JobWatch.FailOnClose(hub, got);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", id);
        await got.Task.WithinHangCap("the late watcher receiving the steps so far");

        lock (first)
        {
            var state = Assert.IsType<JobStateMessage>(first[0]);
            Assert.Equal("Running", state.Status);
            Assert.Equal("fit", state.Stage);
            Assert.Equal("face", state.Critic);
            // Every step so far, in order, before any live event: a late page draws the whole chart.
            Assert.Equal([1, 2], Assert.IsType<HistoryMessage>(first[1]).Steps.Select(p => p.Iteration));
        }

        gate.Release(1);
        await WaitForStatusAsync(host, id, "Completed");
    }

    private static Task WaitForProgress(JobHost host, string id, int iteration) => JobWatch.UntilProgressAsync(host.Server, id, iteration);

    [Fact]
    public async Task AFullQueueAnswers429WithRetryAfter()
    {
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 1) { Gate = gate };
        await using var host = await JobHost.StartAsync(executor, queueCapacity: 1);
        var running = await IdOf(await host.SubmitAsync(JobHost.Png()));
        await executor.Started.Task.WithinHangCap("the job starting");
        var queued = await IdOf(await host.SubmitAsync(JobHost.Png()));

        var refused = await host.SubmitAsync(JobHost.Png());

        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter!.Delta);
        gate.Release(2);
        await WaitForStatusAsync(host, running, "Completed");
        await WaitForStatusAsync(host, queued, "Completed");
    }

    [Fact]
    public async Task CancellingARunningJobStopsIt()
    {
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 3) { Gate = gate };
        await using var host = await JobHost.StartAsync(executor);
        var id = await IdOf(await host.SubmitAsync(JobHost.Png()));
        await executor.Started.Task.WithinHangCap("the job starting");

        var response = await host.Client.PostAsync($"/api/jobs/{id}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await WaitForStatusAsync(host, id, "Cancelled");
        Assert.Equal("Cancelled by the user.", job.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.PostAsync($"/api/jobs/{id}/cancel", null)).StatusCode);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("text")]
    [InlineData("truncated-jpeg")]
    [InlineData("huge-png")]
    [InlineData("gif")]
    public async Task BadUploadsGetAClear4xxAndTheServerKeepsServing(string kind)
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(), maxPixels: 40_000_000);
        var body = kind switch
        {
            "empty" => [],
            "text" => "this is not an image"u8.ToArray(),
            "truncated-jpeg" => JobHost.Jpeg(256, 256)[..600],
            "huge-png" => HugePngHeader(30000, 30000),
            "gif" => Gif(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var response = await host.SubmitAsync(body, "photo.jpg");

        Assert.InRange((int)response.StatusCode, 400, 499);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(detail));
        if (kind == "huge-png")
        {
            Assert.Contains("30000x30000", detail);
        }

        Assert.Empty(Directory.GetDirectories(Path.Combine(host.DataDirectory, "jobs")));
        var ok = await host.SubmitAsync(JobHost.Png());
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
    }

    [Fact]
    public async Task ArtifactsAreServedOnlyByJobIdAndListedName()
    {
        await using var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1));
        var id = await IdOf(await host.SubmitAsync(JobHost.Png()));
        await WaitForStatusAsync(host, id, "Completed");

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/api/jobs/{id}/artifacts/mesh.obj")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/api/jobs/{id}/artifacts/input.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/api/jobs/{id}/artifacts/..%2Fjobs.db")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/api/jobs/..%2F..%2Fetc/artifacts/passwd")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync($"/api/jobs/{JobIds.New()}")).StatusCode);
    }

    [Fact]
    public async Task ARestartKeepsFinishedJobsAndMarksRunningOnesInterrupted()
    {
        var data = Directory.CreateTempSubdirectory("faceclip-restart-").FullName;
        string finished, running;
        var gate = new SemaphoreSlim(0);
        var executor = new ScriptedExecutor(steps: 1) { Gate = gate };
        await using (var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1), data))
        {
            finished = await IdOf(await host.SubmitAsync(JobHost.Png()));
            await WaitForStatusAsync(host, finished, "Completed");
        }

        await using (var host = await JobHost.StartAsync(executor, data))
        {
            running = await IdOf(await host.SubmitAsync(JobHost.Png()));
            await executor.Started.Task.WithinHangCap("the job starting");
        }

        await using (var host = await JobHost.StartAsync(new ScriptedExecutor(steps: 1), data))
        {
            var job = await WaitForStatusAsync(host, running, "Interrupted");
            Assert.Contains("server stopped", job.GetProperty("error").GetString());
            await WaitForStatusAsync(host, finished, "Completed");
            Assert.Equal("v 0 0 0", (await host.Client.GetStringAsync($"/api/jobs/{finished}/artifacts/mesh.obj"))[..7]);
        }
    }

    private static byte[] HugePngHeader(int width, int height)
    {
        // A valid PNG signature and IHDR chunk that claims a huge image; the pixel limit must refuse it from the
        // header alone, before any decoding.
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        stream.Write(four);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typeBytes.Concat(data).ToArray()));
        stream.Write(four);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private static byte[] Gif()
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(8, 8);
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsGif(image, stream);
        return stream.ToArray();
    }
}
