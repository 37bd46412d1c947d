using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace FaceClip.Web.Jobs;

/// <summary>
/// Fans a job's events out to its SignalR group and remembers the latest of each kind and every step reported, so a
/// client that subscribes late first receives the current state and replays the job's history. Sends for one job are
/// serialised, so every watcher sees them in order. Events are published through the <see cref="IJobEventBus"/>: in
/// one process they are delivered at once; in a cluster they travel over Redis to every web node, each of which keeps
/// this live copy and delivers to its own watchers.
/// </summary>
public sealed class JobEvents(IHubContext<JobsHub, IJobClient> hub, IJobEventBus bus)
{
    private readonly ConcurrentDictionary<string, LiveJob> _jobs = new();

    public static string Group(string jobId) => "job-" + jobId;

    /// <summary>Publishes a state change.</summary>
    public Task StateAsync(JobStateMessage state) => bus.PublishAsync(new JobEvent { State = state }, this);

    public Task ProgressAsync(ProgressMessage progress) => bus.PublishAsync(new JobEvent { Progress = progress }, this);

    public Task RenderAsync(RenderMessage render) => bus.PublishAsync(new JobEvent { Render = render }, this);

    public Task VerticesAsync(VerticesMessage vertices) => bus.PublishAsync(new JobEvent { Vertices = vertices }, this);

    /// <summary>Tells every watcher at once that a queued or running job is being cancelled (the job itself stops at its
    /// next step and then reports <see cref="JobStatus.Cancelled"/>).</summary>
    public Task CancellingAsync(string jobId) => bus.PublishAsync(new JobEvent { Cancelling = jobId }, this);

    /// <summary>Delivers one published event to this process's watchers and remembers it. A job's deletion also
    /// forgets its live copy.</summary>
    public Task ApplyAsync(JobEvent e) => e switch
    {
        { State: { } state } => WithJob(state.JobId, async live =>
        {
            if (state.Status == nameof(JobStatus.Queued))
            {
                // Queued (again, after its worker died): the job starts over, and so does what a late watcher replays.
                live.History.Clear();
                live.Render = null;
                live.Vertices = null;
            }

            live.State = state;
            await hub.Clients.Group(Group(state.JobId)).State(state);
            if (state.Status is JobStates.Deleted or nameof(JobStatus.Completed) or nameof(JobStatus.Failed) or nameof(JobStatus.Cancelled))
            {
                // Ended (its timeline and record are stored before this state is published) or gone: a later watcher is
                // served from the store, so the live copy is dropped and a long-running node keeps only live jobs.
                _jobs.TryRemove(state.JobId, out _);
            }
        }),
        { Progress: { } progress } => WithJob(progress.JobId, async live =>
        {
            live.History.Add(progress);
            await hub.Clients.Group(Group(progress.JobId)).Progress(progress);
        }),
        { Render: { } render } => WithJob(render.JobId, async live =>
        {
            live.Render = render;
            await hub.Clients.Group(Group(render.JobId)).Render(render);
        }),
        { Vertices: { } vertices } => WithJob(vertices.JobId, async live =>
        {
            live.Vertices = vertices;
            await hub.Clients.Group(Group(vertices.JobId)).Vertices(vertices);
        }),
        { Cancelling: { } jobId } => WithJob(jobId, async live =>
        {
            if (live.State is { Status: "Queued" or "Running" } state)
            {
                live.State = Copy(state, "Cancelling");
                await hub.Clients.Group(Group(jobId)).State(live.State);
            }
        }),
        _ => Task.CompletedTask,
    };

    /// <summary>The latest state of a job that ran in this process, if any.</summary>
    public JobStateMessage? CurrentState(string jobId) => _jobs.TryGetValue(jobId, out var live) ? live.State : null;

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

    private static JobStateMessage Copy(JobStateMessage s, string status) => new()
    {
        JobId = s.JobId, Status = status, Stage = s.Stage, Error = s.Error, Device = s.Device, Critic = s.Critic, Prompts = s.Prompts,
        Artifacts = s.Artifacts, Face = s.Face, Stages = s.Stages, Marks = s.Marks,
    };

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
