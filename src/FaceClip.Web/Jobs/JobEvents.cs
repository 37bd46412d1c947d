using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace FaceClip.Web.Jobs;

/// <summary>
/// Fans a job's events out to its SignalR group and remembers the latest of each kind, so a client that subscribes
/// late first receives the current state. Sends for one job are serialised, so every watcher sees them in order.
/// </summary>
public sealed class JobEvents(IHubContext<JobsHub, IJobClient> hub)
{
    private readonly ConcurrentDictionary<string, LiveJob> _jobs = new();

    public static string Group(string jobId) => "job-" + jobId;

    /// <summary>Publishes a state change and remembers it.</summary>
    public Task StateAsync(JobStateMessage state) => WithJob(state.JobId, async live =>
    {
        live.State = state;
        await hub.Clients.Group(Group(state.JobId)).State(state);
    });

    public Task ProgressAsync(ProgressMessage progress) => WithJob(progress.JobId, async live =>
    {
        live.Progress = progress;
        await hub.Clients.Group(Group(progress.JobId)).Progress(progress);
    });

    public Task RenderAsync(RenderMessage render) => WithJob(render.JobId, async live =>
    {
        live.Render = render;
        await hub.Clients.Group(Group(render.JobId)).Render(render);
    });

    public Task VerticesAsync(VerticesMessage vertices) => WithJob(vertices.JobId, async live =>
    {
        live.Vertices = vertices;
        await hub.Clients.Group(Group(vertices.JobId)).Vertices(vertices);
    });

    /// <summary>The latest state of a job that ran in this process, if any.</summary>
    public JobStateMessage? CurrentState(string jobId) => _jobs.TryGetValue(jobId, out var live) ? live.State : null;

    /// <summary>Adds a connection to the job's group and sends it the current state, atomically with respect to
    /// the job's own events (nothing is missed or seen twice out of order).</summary>
    public Task SubscribeAsync(string jobId, string connectionId, IJobClient caller, JobStateMessage fallback) => WithJob(jobId, async live =>
    {
        await hub.Groups.AddToGroupAsync(connectionId, Group(jobId));
        await caller.State(live.State ?? fallback);
        if (live.Progress is { } p)
        {
            await caller.Progress(p);
        }

        if (live.Render is { } r)
        {
            await caller.Render(r);
        }

        if (live.Vertices is { } v)
        {
            await caller.Vertices(v);
        }
    });

    /// <summary>Forgets the live copy of a finished job (its state stays in the job store).</summary>
    public void Forget(string jobId) => _jobs.TryRemove(jobId, out _);

    private async Task WithJob(string jobId, Func<LiveJob, Task> action)
    {
        var live = _jobs.GetOrAdd(jobId, _ => new LiveJob());
        await live.Gate.WaitAsync();
        try
        {
            await action(live);
        }
        finally
        {
            live.Gate.Release();
        }
    }

    private sealed class LiveJob
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public JobStateMessage? State { get; set; }
        public ProgressMessage? Progress { get; set; }
        public RenderMessage? Render { get; set; }
        public VerticesMessage? Vertices { get; set; }
    }
}
