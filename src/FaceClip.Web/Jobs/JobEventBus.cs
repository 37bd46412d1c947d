using MessagePack;
using MessagePack.Resolvers;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FaceClip.Web.Jobs;

/// <summary>One event of a job, as it travels between nodes: exactly one of its members is set.</summary>
public sealed class JobEvent
{
    public JobStateMessage? State { get; set; }
    public ProgressMessage? Progress { get; set; }
    public RenderMessage? Render { get; set; }
    public VerticesMessage? Vertices { get; set; }

    /// <summary>The id of a job whose watchers are told it is being cancelled.</summary>
    public string? Cancelling { get; set; }

    private static readonly MessagePackSerializerOptions Options = ContractlessStandardResolver.Options;

    public byte[] Serialize() => MessagePackSerializer.Serialize(this, Options);

    public static JobEvent Deserialize(ReadOnlyMemory<byte> bytes) => MessagePackSerializer.Deserialize<JobEvent>(bytes, Options);
}

/// <summary>How a job's events reach the processes whose browsers watch it.</summary>
public interface IJobEventBus
{
    /// <summary>Publishes an event; <paramref name="local"/> is this process's live copy.</summary>
    Task PublishAsync(JobEvent e, JobEvents local);
}

/// <summary>One process: an event is delivered to this process's watchers before the publisher goes on.</summary>
public sealed class EmbeddedJobEventBus : IJobEventBus
{
    public Task PublishAsync(JobEvent e, JobEvents local) => local.ApplyAsync(e);
}

/// <summary>A cluster: events go out on one Redis pub/sub channel, in the order each process publishes them, and every
/// web node (<see cref="RedisJobEventRelay"/>) delivers them to its own watchers.</summary>
public sealed class RedisJobEventBus(IConnectionMultiplexer redis, IOptions<JobOptions> options) : IJobEventBus
{
    public RedisChannel Channel { get; } = RedisChannel.Literal(options.Value.RedisPrefix + ":events");

    public Task PublishAsync(JobEvent e, JobEvents local) => redis.GetSubscriber().PublishAsync(Channel, e.Serialize());
}

/// <summary>On a web node of a cluster: receives every job event from Redis, one at a time in the order published,
/// and hands it to the node's <see cref="JobEvents"/>.</summary>
public sealed class RedisJobEventRelay(IConnectionMultiplexer redis, RedisJobEventBus bus, JobEvents events, ILogger<RedisJobEventRelay> logger) : IHostedService
{
    private ChannelMessageQueue? _queue;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _queue = await redis.GetSubscriber().SubscribeAsync(bus.Channel);
        _queue.OnMessage(async message =>
        {
            try
            {
                await events.ApplyAsync(JobEvent.Deserialize((byte[])message.Message!));
            }
            catch (Exception ex) when (ex is MessagePackSerializationException or InvalidOperationException)
            {
                logger.LogWarning(ex, "A job event from Redis could not be read");
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_queue is not null)
        {
            await _queue.UnsubscribeAsync();
        }
    }
}
