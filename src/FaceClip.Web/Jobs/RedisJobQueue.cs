using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FaceClip.Web.Jobs;

/// <summary>
/// The queue of a cluster, on a Redis stream with one consumer group that every worker reads. A job is acknowledged
/// (and removed from the stream) only once its end is recorded. Each worker refreshes the jobs it holds every
/// <see cref="JobOptions.HeartbeatSeconds"/>; a job its worker has not refreshed for <see cref="JobOptions.ReclaimAfterSeconds"/>
/// (the worker died or hangs) is claimed by an idle worker and run again, so a job runs at least once. Cancellation
/// goes to every worker over pub/sub and is remembered for a day, for a job that has not started yet.
/// </summary>
public sealed class RedisJobQueue : JobQueue
{
    public const string Group = "workers";

    /// <summary>Refreshes the entries this worker still owns (checked and claimed atomically, so an entry another
    /// worker has reclaimed is never taken back) and returns them.</summary>
    private const string RefreshScript = """
        local kept = {}
        for i = 3, #ARGV do
          local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
          if #p > 0 and p[1][2] == ARGV[2] then
            redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
            table.insert(kept, ARGV[i])
          end
        end
        return kept
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly JobOptions _options;
    private readonly ILogger<RedisJobQueue> _logger;
    private readonly ConcurrentDictionary<string, QueuedJob> _held = new();
    private readonly ConcurrentDictionary<string, byte> _lost = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _groupReady;

    public RedisJobQueue(IConnectionMultiplexer redis, IOptions<JobOptions> options, IOptions<NodeOptions> node, ILogger<RedisJobQueue> logger)
    {
        _redis = redis;
        _options = options.Value;
        _logger = logger;
        Consumer = node.Value.ResolvedName;
        var prefix = _options.RedisPrefix;
        Stream = prefix + ":jobs";
        CancelChannel = prefix + ":cancel";
        CancelledPrefix = prefix + ":cancelled:";
        RunningHash = prefix + ":running";
        WorkerPrefix = prefix + ":worker:";
    }

    /// <summary>The stream of queued jobs (every key of the queue starts with <see cref="JobOptions.RedisPrefix"/>).</summary>
    public string Stream { get; }

    private string CancelChannel { get; }
    private string CancelledPrefix { get; }
    private string RunningHash { get; }
    private string WorkerPrefix { get; }

    /// <summary>This process's name in the consumer group.</summary>
    public string Consumer { get; }

    private IDatabase Db => _redis.GetDatabase();

    private TimeSpan Heartbeat => TimeSpan.FromSeconds(Math.Max(0.2, _options.HeartbeatSeconds));

    private TimeSpan ReclaimAfter => TimeSpan.FromSeconds(Math.Max(_options.HeartbeatSeconds * 2, _options.ReclaimAfterSeconds));

    public override async ValueTask<int> WaitingAsync(CancellationToken cancellationToken = default)
    {
        await EnsureGroupAsync();
        var length = await Db.StreamLengthAsync(Stream);
        var pending = await Db.StreamPendingAsync(Stream, Group);
        return (int)Math.Max(0, length - pending.PendingMessageCount);
    }

    public override async ValueTask<bool> TryEnqueueAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await EnsureGroupAsync();
        await Db.StreamAddAsync(Stream, "id", jobId);
        return true;
    }

    public override async IAsyncEnumerable<QueuedJob> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureGroupAsync();
        var idle = TimeSpan.FromMilliseconds(Math.Clamp(_options.PollMilliseconds, 20, 5000));
        while (!cancellationToken.IsCancellationRequested)
        {
            QueuedJob? job;
            try
            {
                job = await NextAsync();
            }
            catch (RedisException ex)
            {
                // Redis out of reach for a moment: the worker waits and looks again rather than stopping.
                _logger.LogWarning(ex, "Worker {Worker}: the queue could not be read; trying again", Consumer);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }

            if (job is null)
            {
                await Task.Delay(idle, cancellationToken);
                continue;
            }

            yield return job;
        }
    }

    /// <summary>Completes once this worker listens for cancellations (<see cref="MaintainAsync"/>).</summary>
    public Task Listening => _listening.Task;

    /// <summary>A job another worker stopped refreshing first (it has waited longest), else a new one; null when there
    /// is none now.</summary>
    internal async Task<QueuedJob?> NextAsync()
    {
        var claimed = await Db.StreamAutoClaimAsync(Stream, Group, Consumer, (long)ReclaimAfter.TotalMilliseconds, "0-0", 1);
        foreach (var entry in claimed.ClaimedEntries)
        {
            var id = (string?)entry["id"];
            if (id is null)
            {
                await Db.StreamAcknowledgeAsync(Stream, Group, entry.Id);
                continue;
            }

            if (_held.ContainsKey(id))
            {
                continue; // this worker runs it already (its heartbeat was late): the claim only refreshed it
            }

            _logger.LogWarning("Job {Job} reclaimed by {Worker}: its worker stopped answering", id, Consumer);
            return new QueuedJob(id, entry.Id, Reclaimed: true);
        }

        var read = await Db.StreamReadGroupAsync(Stream, Group, Consumer, ">", 1);
        foreach (var entry in read)
        {
            if ((string?)entry["id"] is { } id)
            {
                return new QueuedJob(id, entry.Id);
            }

            await Db.StreamAcknowledgeAsync(Stream, Group, entry.Id);
        }

        return null;
    }

    public override async Task BeginRunAsync(QueuedJob job)
    {
        await base.BeginRunAsync(job);
        _held[job.Id] = job;
        _lost.TryRemove(job.Id, out _);
        await Db.HashSetAsync(RunningHash, job.Id, Consumer);
        _ = TokenFor(job.Id);
        if (await Db.KeyExistsAsync(CancelledPrefix + job.Id))
        {
            CancelHere(job.Id);
        }
    }

    public override async Task EndRunAsync(QueuedJob job)
    {
        _held.TryRemove(job.Id, out _);
        try
        {
            if (!_lost.ContainsKey(job.Id) && await Db.HashGetAsync(RunningHash, job.Id) == Consumer)
            {
                await Db.HashDeleteAsync(RunningHash, job.Id);
            }
        }
        catch (RedisException ex)
        {
            _logger.LogWarning(ex, "Job {Job}: its running mark could not be removed", job.Id);
        }

        await base.EndRunAsync(job);
    }

    public override async ValueTask CompleteAsync(QueuedJob job)
    {
        if (job.Delivery is null || _lost.TryRemove(job.Id, out _))
        {
            return; // another worker holds it now, and acknowledges it
        }

        try
        {
            await Db.StreamAcknowledgeAsync(Stream, Group, job.Delivery);
            await Db.StreamDeleteAsync(Stream, [job.Delivery]);
        }
        catch (RedisException ex)
        {
            // Left pending: it is reclaimed later, found finished and acknowledged then.
            _logger.LogWarning(ex, "Job {Job} could not be acknowledged", job.Id);
        }
    }

    public override bool Holds(string jobId) => !_lost.ContainsKey(jobId);

    public override async ValueTask<bool> CancelAsync(string jobId)
    {
        CancelHere(jobId);
        await Db.StringSetAsync(CancelledPrefix + jobId, "1", TimeSpan.FromDays(1));
        await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(CancelChannel), jobId);
        return true;
    }

    /// <summary>Completes once no worker anywhere runs the job (or, for a worker that died holding it, once it would have
    /// been reclaimed).</summary>
    public override async Task WhenNotRunning(string jobId, CancellationToken cancellationToken = default)
    {
        await RunningHere(jobId).WaitAsync(cancellationToken);
        var deadline = DateTime.UtcNow + ReclaimAfter + Heartbeat;
        while (DateTime.UtcNow < deadline && await Db.HashExistsAsync(RunningHash, jobId))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>The worker side: listens for cancellations and, every heartbeat, says this worker is alive, refreshes
    /// the jobs it holds and looks for a cancellation of them it may have missed (one published while Redis was out of
    /// reach). A job it no longer owns (another worker reclaimed it while this one was stalled) is
    /// cancelled here and recorded by nobody but its new worker.</summary>
    public async Task MaintainAsync(CancellationToken stoppingToken)
    {
        await EnsureGroupAsync();
        var channel = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(CancelChannel));
        channel.OnMessage(message =>
        {
            if ((string?)message.Message is { } id)
            {
                CancelHere(id);
            }
        });
        _listening.TrySetResult();
        try
        {
            using var timer = new PeriodicTimer(Heartbeat);
            do
            {
                try
                {
                    await BeatAsync();
                }
                catch (RedisException ex)
                {
                    _logger.LogWarning(ex, "Worker {Worker}: heartbeat failed", Consumer);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await channel.UnsubscribeAsync();
        }
    }

    internal async Task BeatAsync()
    {
        await Db.StringSetAsync(WorkerPrefix + Consumer, DateTimeOffset.UtcNow.ToString("O"), Heartbeat * 3);
        var held = _held.Values.Where(j => j.Delivery is not null).ToArray();
        if (held.Length == 0)
        {
            return;
        }

        var args = new RedisValue[] { Group, Consumer }.Concat(held.Select(j => (RedisValue)j.Delivery!)).ToArray();
        var kept = ((RedisResult[]?)await Db.ScriptEvaluateAsync(RefreshScript, [Stream], args) ?? []).Select(r => (string?)r).ToHashSet();
        foreach (var job in held)
        {
            if (!kept.Contains(job.Delivery))
            {
                if (_held.ContainsKey(job.Id) && _lost.TryAdd(job.Id, 0))
                {
                    _logger.LogWarning("Job {Job}: another worker reclaimed it from {Worker}; stopping here", job.Id, Consumer);
                    CancelHere(job.Id);
                }
            }
            else if (await Db.KeyExistsAsync(CancelledPrefix + job.Id))
            {
                CancelHere(job.Id);
            }
        }
    }

    private async Task EnsureGroupAsync()
    {
        if (Volatile.Read(ref _groupReady) == 1)
        {
            return;
        }

        try
        {
            await Db.StreamCreateConsumerGroupAsync(Stream, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
        }

        Volatile.Write(ref _groupReady, 1);
    }
}
