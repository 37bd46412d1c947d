using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FaceClip.Web.Tests.Jobs;

/// <summary>
/// Tests wait for a job through the events the app publishes on its hub, not by polling against a clock: the hub
/// sends a subscriber the job's current state first and then every change (<see cref="JobEvents.SubscribeAsync"/>),
/// and a job's final state is published only after the store holds it, so once the final state has arrived the REST
/// API answers with it too. The hub's keep-alive timeouts are lifted on both ends (<see cref="Connect"/>,
/// <see cref="WithoutHubTimeouts"/>), so that a starved machine cannot drop a watcher: the only limit left is
/// <see cref="TestWaits.HangCap"/>, for a hung test.
/// </summary>
public static class JobWatch
{
    /// <summary>A hub connection to an in-memory server (long polling through the test server's handler) that waits
    /// for the server as long as a test may wait.</summary>
    public static HubConnection Connect(TestServer server, string apiKey = JobHost.OwnerKey)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "hubs/jobs"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                o.Headers["X-Api-Key"] = apiKey;
            })
            .AddMessagePackProtocol()
            .Build();
        hub.ServerTimeout = TestWaits.HangCap;
        hub.HandshakeTimeout = TestWaits.HangCap;
        return hub;
    }

    /// <summary>The server side of <see cref="Connect"/>: the hub keeps a quiet client for as long as a test may wait.</summary>
    public static IServiceCollection WithoutHubTimeouts(this IServiceCollection services) =>
        services.Configure<HubOptions>(o => o.ClientTimeoutInterval = TestWaits.HangCap);

    public static bool IsFinished(string? status) => status is nameof(JobStatus.Completed) or nameof(JobStatus.Failed)
        or nameof(JobStatus.Cancelled) or nameof(JobStatus.Interrupted);

    /// <summary>Subscribes to a job and returns its final state (at once if it has already finished).</summary>
    public static async Task<JobStateMessage> UntilFinishedAsync(TestServer server, string id, string apiKey = JobHost.OwnerKey)
    {
        await using var hub = Connect(server, apiKey);
        var finished = new TaskCompletionSource<JobStateMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobStateMessage>("State", s =>
        {
            if (IsFinished(s.Status))
            {
                finished.TrySetResult(s);
            }
        });
        FailOnClose(hub, finished);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", id);
        return await finished.Task.WithinHangCap($"job {id} finishing");
    }

    /// <summary>Subscribes to a job and returns once it has reported the given iteration (live, or in the history a late
    /// watcher replays); fails if the job finishes first.</summary>
    public static async Task UntilProgressAsync(TestServer server, string id, int iteration, string apiKey = JobHost.OwnerKey)
    {
        await using var hub = Connect(server, apiKey);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<ProgressMessage>("Progress", p =>
        {
            if (p.Iteration >= iteration)
            {
                reached.TrySetResult();
            }
        });
        // A watcher that joins after the step replays it in the job's history.
        hub.On<HistoryMessage>("History", h =>
        {
            if (h.Steps.Any(p => p.Iteration >= iteration))
            {
                reached.TrySetResult();
            }
        });
        hub.On<JobStateMessage>("State", s =>
        {
            if (IsFinished(s.Status))
            {
                reached.TrySetException(new InvalidOperationException($"Job {id} finished ({s.Status}) before reporting iteration {iteration}."));
            }
        });
        FailOnClose(hub, reached);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", id);
        await reached.Task.WithinHangCap($"job {id} reporting iteration {iteration}");
    }

    /// <summary>A watcher whose connection drops fails at once instead of waiting for events that cannot come.</summary>
    public static void FailOnClose<T>(HubConnection hub, TaskCompletionSource<T> waiting) =>
        hub.Closed += error =>
        {
            waiting.TrySetException(new InvalidOperationException("The hub connection closed while a test waited on it.", error));
            return Task.CompletedTask;
        };

    /// <inheritdoc cref="FailOnClose{T}(HubConnection, TaskCompletionSource{T})"/>
    public static void FailOnClose(HubConnection hub, TaskCompletionSource waiting) =>
        hub.Closed += error =>
        {
            waiting.TrySetException(new InvalidOperationException("The hub connection closed while a test waited on it.", error));
            return Task.CompletedTask;
        };
}
