using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace FaceClip.Web.Jobs;

/// <summary>
/// Fans a job's events out to its SignalR group and remembers the latest of each kind and every step reported, so a
/// client that subscribes late first receives the current state and replays the job's history. Sends for one job are
/// serialised, so every watcher sees them in order.
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
        live.History.Add(progress);
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

    /// <summary>Every step the job has reported in this process, in order.</summary>
    public Task<ProgressMessage[]> HistoryAsync(string jobId) => WithJob(jobId, live => Task.FromResult(live.History.ToArray()));

    /// <summary>Tells every watcher at once that a queued or running job is being cancelled (the job itself stops at its
    /// next step and then reports <see cref="JobStatus.Cancelled"/>).</summary>
    public Task CancellingAsync(string jobId) => WithJob(jobId, async live =>
    {
        if (live.State is { Status: "Queued" or "Running" } state)
        {
            live.State = Copy(state, "Cancelling");
            await hub.Clients.Group(Group(jobId)).State(live.State);
        }
    });

    /// <summary>Adds a connection to the job's group and sends it the current state and the steps so far, atomically
    /// with respect to the job's own events (nothing is missed or seen twice out of order). A job that is not live in
    /// this process (it ran before a restart, or has not started) is described by <paramref name="stored"/>.</summary>
    public Task SubscribeAsync(string jobId, string connectionId, IJobClient caller, Func<Task<(JobStateMessage State, ProgressMessage[] Steps)>> stored) => WithJob(jobId, async live =>
    {
        await hub.Groups.AddToGroupAsync(connectionId, Group(jobId));
        var (state, steps) = live.State is { } current ? (current, live.History.ToArray()) : await stored();
        await caller.State(state);
        if (steps.Length > 0)
        {
            await caller.History(new HistoryMessage { JobId = jobId, Steps = steps });
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

    private static JobStateMessage Copy(JobStateMessage s, string status) => new()
    {
        JobId = s.JobId, Status = status, Stage = s.Stage, Error = s.Error, Device = s.Device, Critic = s.Critic, Prompts = s.Prompts,
        Artifacts = s.Artifacts, Face = s.Face, Stages = s.Stages, Marks = s.Marks,
    };

    private async Task<T> WithJob<T>(string jobId, Func<LiveJob, Task<T>> action)
    {
        var live = _jobs.GetOrAdd(jobId, _ => new LiveJob());
        await live.Gate.WaitAsync();
        try
        {
            return await action(live);
        }
        finally
        {
            live.Gate.Release();
        }
    }

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
        public List<ProgressMessage> History { get; } = [];
        public RenderMessage? Render { get; set; }
        public VerticesMessage? Vertices { get; set; }
    }
}
