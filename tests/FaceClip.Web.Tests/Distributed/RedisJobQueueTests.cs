using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FaceClip.Web.Tests.Distributed;

/// <summary>The cluster's queue on a real Redis: delivery to one worker, acknowledgement, the heartbeat that keeps a
/// long job with its worker, reclaiming the job of a worker that stopped, and cancellation across workers.</summary>
public sealed class RedisJobQueueTests : IAsyncLifetime
{
    private readonly string _prefix = DistributedServices.NewPrefix();
    private IConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(DistributedServices.Redis);

    public async Task DisposeAsync()
    {
        var server = _redis.GetServers()[0];
        foreach (var key in server.Keys(pattern: _prefix + ":*"))
        {
            await _redis.GetDatabase().KeyDeleteAsync(key);
        }

        await _redis.DisposeAsync();
    }

    private RedisJobQueue Worker(string name, double heartbeatSeconds = 0.2, double reclaimAfterSeconds = 1.5) => new(_redis,
        Options.Create(new JobOptions { RedisPrefix = _prefix, HeartbeatSeconds = heartbeatSeconds, ReclaimAfterSeconds = reclaimAfterSeconds, PollMilliseconds = 50 }),
        Options.Create(new NodeOptions { Name = name }), NullLogger<RedisJobQueue>.Instance);

    private static async Task<QueuedJob> NextAsync(RedisJobQueue queue, CancellationToken cancellationToken = default)
    {
        await foreach (var job in queue.ReadAllAsync(cancellationToken))
        {
            return job;
        }

        throw new InvalidOperationException("The queue ended.");
    }

    private static string NewId() => JobIds.New();

    [Fact]
    public async Task EachJobGoesToOneWorkerInOrderAndLeavesTheQueueWhenCompleted()
    {
        var a = Worker("a");
        var b = Worker("b");
        var ids = Enumerable.Range(0, 4).Select(_ => NewId()).ToList();
        foreach (var id in ids)
        {
            Assert.True(await a.TryEnqueueAsync(id));
        }

        Assert.Equal(4, await b.WaitingAsync());
        var taken = new List<QueuedJob> { await NextAsync(a), await NextAsync(b), await NextAsync(a), await NextAsync(b) };
        Assert.Equal(ids, taken.Select(j => j.Id));
        Assert.All(taken, j => Assert.False(j.Reclaimed));
        Assert.Equal(0, await a.WaitingAsync());
        Assert.Equal(4, await _redis.GetDatabase().StreamLengthAsync(a.Stream)); // taken, not yet acknowledged
        foreach (var job in taken)
        {
            await (job == taken[0] || job == taken[2] ? a : b).CompleteAsync(job);
        }

        Assert.Equal(0, await _redis.GetDatabase().StreamLengthAsync(a.Stream));
        Assert.Equal(0, (await _redis.GetDatabase().StreamPendingAsync(a.Stream, RedisJobQueue.Group)).PendingMessageCount);
    }

    [Fact]
    public async Task AJobWhoseWorkerStopsIsReclaimedButALiveWorkersJobIsNot()
    {
        var alive = Worker("alive", reclaimAfterSeconds: 3);
        var dead = Worker("dead", reclaimAfterSeconds: 3);
        var thief = Worker("thief", reclaimAfterSeconds: 3);
        var kept = NewId();
        var orphan = NewId();
        await alive.TryEnqueueAsync(kept);
        await alive.TryEnqueueAsync(orphan);
        var held = await NextAsync(alive);
        await alive.BeginRunAsync(held);
        var lost = await NextAsync(dead); // taken by a worker that never beats again
        await dead.BeginRunAsync(lost);
        Assert.Equal((kept, orphan), (held.Id, lost.Id));

        // The live worker beats (here by hand, just before each look of the thief's): for longer than the reclaim
        // timeout the thief finds nothing but the dead worker's job, once that has gone unrefreshed long enough.
        QueuedJob? reclaimed = null;
        var looked = System.Diagnostics.Stopwatch.StartNew();
        while ((looked.Elapsed < TimeSpan.FromSeconds(5) || reclaimed is null) && looked.Elapsed < TestWaits.HangCap)
        {
            await alive.BeatAsync();
            if (await thief.NextAsync() is { } found)
            {
                Assert.Null(reclaimed);
                reclaimed = found;
                await thief.BeginRunAsync(found);
            }

            await thief.BeatAsync();
            await Task.Delay(100);
        }

        Assert.NotNull(reclaimed);
        Assert.Equal(orphan, reclaimed.Id);
        Assert.True(reclaimed.Reclaimed);
        Assert.True(alive.Holds(kept));
        Assert.True(thief.Holds(orphan));
    }

    [Fact]
    public async Task AWorkerThatStalledLearnsItsJobWasReclaimedAndStops()
    {
        var slow = Worker("slow");
        var other = Worker("other");
        var id = NewId();
        await slow.TryEnqueueAsync(id);
        var job = await NextAsync(slow);
        await slow.BeginRunAsync(job);
        var token = slow.TokenFor(id);
        var again = await NextAsync(other).WithinHangCap("the stalled worker's job reclaimed");
        Assert.True(again.Reclaimed);

        // The stalled worker's next heartbeat finds the job is no longer its own: its run is cancelled and it records nothing.
        using var stop = new CancellationTokenSource();
        var maintained = slow.MaintainAsync(stop.Token);
        await Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }).WithinHangCap("the stalled run cancelled");
        Assert.False(slow.Holds(id));
        await slow.EndRunAsync(job);
        await slow.CompleteAsync(job); // not acknowledged: the new worker holds it
        Assert.Equal(1, (await _redis.GetDatabase().StreamPendingAsync(slow.Stream, RedisJobQueue.Group)).PendingMessageCount);
        await other.CompleteAsync(again);
        Assert.Equal(0, (await _redis.GetDatabase().StreamPendingAsync(slow.Stream, RedisJobQueue.Group)).PendingMessageCount);
        await stop.CancelAsync();
        await maintained;
    }

    [Fact]
    public async Task ACancelFromAnyNodeStopsTheJobWhereItRunsOrBeforeItStarts()
    {
        using var stop = new CancellationTokenSource();
        var worker = Worker("worker");
        var web = Worker("web");
        var maintained = worker.MaintainAsync(stop.Token);
        var running = NewId();
        var waiting = NewId();
        await web.TryEnqueueAsync(running);
        await web.TryEnqueueAsync(waiting);
        var job = await NextAsync(worker);
        await worker.BeginRunAsync(job);
        var token = worker.TokenFor(running);
        await worker.Listening.WithinHangCap("the worker listening for cancellations");

        Assert.True(await web.CancelAsync(running));
        await Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }).WithinHangCap("the running job cancelled");

        // Cancelled while queued: the worker that takes it later finds it cancelled at once.
        await web.CancelAsync(waiting);
        var later = await NextAsync(worker);
        await worker.BeginRunAsync(later);
        Assert.True(worker.TokenFor(waiting).IsCancellationRequested);
        await stop.CancelAsync();
        await maintained;
    }
}
