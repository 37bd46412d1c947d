using FaceClip.Core.Losses;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;

namespace FaceClip.Web.Tests.Distributed;

/// <summary>What every job store does, the embedded one (SQLite) and the cluster's (PostgreSQL) alike.</summary>
public abstract class JobStoreContractTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("faceclip-store-").FullName;

    protected JobStore Store { get; private set; } = null!;

    protected abstract Task<JobStore> CreateAsync(string dataDirectory);

    public async Task InitializeAsync() => Store = await CreateAsync(_data);

    public Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    private Task<JobRecord> NewAsync(string owner, params string[] prompts) =>
        Store.CreateAsync(owner, "input.jpg", new MemoryStream([1, 2, 3]),
            new JobRequest { FaceIndex = 1, Iterations = 7, Critic = CriticChoice.Face, DetailPass = true, Prompts = prompts }, CancellationToken.None);

    [Fact]
    public async Task AJobReadsBackAsCreatedAndOnlyForItsOwner()
    {
        var created = await NewAsync("alice", "smile", "look surprised");
        var read = await Store.GetOwnedAsync(created.Id, "alice");
        Assert.NotNull(read);
        Assert.Equal(JobStatus.Queued, read.Status);
        Assert.Equal("input.jpg", read.InputFileName);
        Assert.Equal(created.Request with { Prompts = [] }, read.Request with { Prompts = [] });
        Assert.Equal(["smile", "look surprised"], read.Request.Prompts);
        Assert.Equal(CriticChoice.Face, read.Request.Critic);
        Assert.True(Math.Abs((read.CreatedAt - created.CreatedAt).TotalMilliseconds) < 1);
        Assert.Null(await Store.GetOwnedAsync(created.Id, "bob"));
        Assert.Null(await Store.GetOwnedAsync(created.Id, null));
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(Store.JobDirectory(created.Id), "input.jpg")));
    }

    [Fact]
    public async Task AnOwnersJobsPageNewestFirstAndCount()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await NewAsync("alice")).Id);
            await Task.Delay(2);
        }

        await NewAsync("bob");
        Assert.Equal(5, await Store.CountAsync("alice"));
        Assert.Equal(1, await Store.CountAsync("bob"));
        var page = await Store.PageAsync("alice", 1, 2);
        Assert.Equal([ids[3], ids[2]], page.Select(r => r.Id));
        Assert.Equal(ids.AsEnumerable().Reverse(), (await Store.ListAsync("alice")).Select(r => r.Id));
    }

    [Fact]
    public async Task OnlyAQueuedJobStartsAndOnlyARunningOneIsQueuedAgain()
    {
        var job = await NewAsync("alice");
        Assert.False(await Store.RequeueAsync(job.Id));
        Assert.True(await Store.MarkRunningAsync(job.Id));
        Assert.False(await Store.MarkRunningAsync(job.Id)); // a second worker does not take it
        var running = await Store.GetAsync(job.Id);
        Assert.Equal(JobStatus.Running, running!.Status);
        Assert.NotNull(running.StartedAt);

        Assert.True(await Store.RequeueAsync(job.Id));
        var again = await Store.GetAsync(job.Id);
        Assert.Equal(JobStatus.Queued, again!.Status);
        Assert.Null(again.StartedAt);
        Assert.True(await Store.MarkRunningAsync(job.Id));

        await Store.MarkFinishedAsync(job.Id, JobStatus.Completed, null, ["mesh.glb", "fit/mesh.obj"]);
        var done = await Store.GetAsync(job.Id);
        Assert.Equal(JobStatus.Completed, done!.Status);
        Assert.Equal(["mesh.glb", "fit/mesh.obj"], done.Artifacts);
        Assert.NotNull(done.FinishedAt);
        Assert.False(await Store.MarkRunningAsync(job.Id));
        Assert.False(await Store.RequeueAsync(job.Id));

        var failed = await NewAsync("alice");
        await Store.MarkFinishedAsync(failed.Id, JobStatus.Failed, "No face was found.", []);
        Assert.Equal("No face was found.", (await Store.GetAsync(failed.Id))!.Error);
    }

    [Fact]
    public async Task ClearingOutputsKeepsOnlyThePhotoAndDeletionRemovesEverything()
    {
        var job = await NewAsync("alice");
        await Store.WriteFileAsync(job.Id, JobStore.WorkingCopyName, new MemoryStream([4]), CancellationToken.None);
        var folder = Store.JobDirectory(job.Id);
        await File.WriteAllTextAsync(Path.Combine(folder, "mesh.glb.0123.tmp"), "half");
        Directory.CreateDirectory(Path.Combine(folder, "smile"));
        await File.WriteAllTextAsync(Path.Combine(folder, "smile", "mesh.glb"), "x");
        Store.ClearOutputs(job);
        Assert.Equal(["input.jpg", JobStore.WorkingCopyName], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order());

        var cutoff = DateTimeOffset.UtcNow.AddSeconds(1);
        Assert.Contains(job.Id, await Store.CreatedBeforeAsync(cutoff));
        Assert.DoesNotContain(job.Id, await Store.CreatedBeforeAsync(job.CreatedAt.AddSeconds(-1)));
        await Store.DeleteAsync(job.Id);
        Assert.Null(await Store.GetAsync(job.Id));
        Assert.False(Directory.Exists(folder));
    }
}

public sealed class SqliteJobStoreTests : JobStoreContractTests
{
    protected override Task<JobStore> CreateAsync(string dataDirectory) => Task.FromResult<JobStore>(new SqliteJobStore(dataDirectory));
}

public sealed class PostgresJobStoreTests : JobStoreContractTests
{
    protected override async Task<JobStore> CreateAsync(string dataDirectory) =>
        new PostgresJobStore(dataDirectory, await DistributedServices.NewDatabaseAsync());

    [Fact]
    public async Task NodesStartingTogetherShareOneSchema()
    {
        var database = await DistributedServices.NewDatabaseAsync();
        using var cleanup = TempFolder.Create("faceclip-store-", out var data);
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresJobStore(data, database))));
        var job = await stores[0].CreateAsync("alice", "input.jpg", new MemoryStream([1]), new JobRequest(), CancellationToken.None);
        foreach (var s in stores)
        {
            Assert.Equal(job.Id, (await s.GetAsync(job.Id))!.Id);
            s.Dispose();
        }
    }
}
