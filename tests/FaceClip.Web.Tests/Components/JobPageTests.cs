using Bunit;
using FaceClip.Web.Components.Pages;
using FaceClip.Web.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace FaceClip.Web.Tests.Components;

/// <summary>The job page as a component: it hands its live view to the three.js module, follows the state the module
/// reports, cancels, and lays out the results (top-level downloads, one card per prompt).</summary>
public sealed class JobPageTests : BunitContext, IAsyncLifetime
{
    /// <summary>The owner of the page's user.</summary>
    private const string PageOwner = "browser:page-owner";

    private readonly string _data = Directory.CreateTempSubdirectory("faceclip-jobpage-").FullName;
    private readonly JobStore _store;
    private readonly JobQueue _queue;
    private readonly BunitJSModuleInterop _module;

    public JobPageTests()
    {
        JSInterop.Mode = JSRuntimeMode.Strict;
        _module = JSInterop.SetupModule("./js/live-view.js");
        _module.SetupVoid("attach", _ => true).SetVoidResult();
        _module.SetupVoid("show", _ => true).SetVoidResult();
        _module.SetupVoid("detach", _ => true).SetVoidResult();
        JSInterop.SetupVoid(_ => true).SetVoidResult();
        JSInterop.Setup<int>(_ => true).SetResult(0);
        Services.AddMudServices();
        AddAuthorization().SetAuthorized("visitor").SetClaims(new System.Security.Claims.Claim(FaceClip.Web.Owners.Owner.ClaimType, PageOwner));
        _store = new SqliteJobStore(_data);
        _queue = new EmbeddedJobQueue(Options.Create(new JobOptions { DataDirectory = _data, QueueCapacity = 2 }));
        Services.AddSingleton(_store);
        Services.AddSingleton(_queue);
        Services.AddSingleton<IJobEventBus, EmbeddedJobEventBus>();
        Services.AddLogging();
        Services.AddSignalR();
        Services.AddSingleton<JobEvents>();
        Services.AddSingleton<JobDeletion>();
        Services.AddSingleton<FaceClip.Web.Owners.ApiKeyStore>(new FaceClip.Web.Owners.SqliteApiKeyStore(_data));
        Services.AddSingleton(Options.Create(new FaceClip.Web.Owners.OwnerOptions()));
        Render<MudBlazor.MudPopoverProvider>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private Task<JobRecord> CreateJobAsync(params string[] prompts) => CreateJobOfAsync(PageOwner, prompts);

    private async Task<JobRecord> CreateJobOfAsync(string owner, params string[] prompts)
    {
        using var photo = File.OpenRead(TestSupport.SharedAssets.SamplePhoto(1));
        return await _store.CreateAsync(owner, "sample1.jpg", photo, new JobRequest { Prompts = prompts.ToList() }, CancellationToken.None);
    }

    [Fact]
    public async Task ARunningJobAttachesTheLiveViewAndFollowsTheStateItReports()
    {
        var job = await CreateJobAsync();
        var cut = Render<Job>(p => p.Add(x => x.Id, job.Id));

        JSRuntimeInvocation attach = default;
        cut.WaitForAssertion(() => attach = _module.VerifyInvoke("attach"), TestSupport.TestWaits.HangCap);
        Assert.Equal(job.Id, attach.Arguments[1]);
        Assert.Equal("Queued", cut.Find(".live-view").GetAttribute("data-status"));
        Assert.NotNull(cut.Find("#cancel"));

        await cut.InvokeAsync(() => cut.Instance.OnStateChanged("Running", "full", "face", "cpu (2 threads)", null, [], 0));
        Assert.Equal("Running", cut.Find(".live-view").GetAttribute("data-status"));
        Assert.Contains("critic: face", cut.Markup);
        Assert.Contains("device: cpu (2 threads)", cut.Markup);

        cut.FindAll("button").Single(b => b.TextContent.Trim() == "Wireframe").Click();
        Assert.Equal("wireframe", _module.VerifyInvoke("show").Arguments[2]);

        // Cancel shows at once, as a cancel rather than an error, and asks the job to stop.
        var token = _queue.TokenFor(job.Id);
        cut.Find("#cancel").Click();
        Assert.True(token.IsCancellationRequested);
        Assert.Equal("Cancelling…", cut.Find("#cancel").TextContent.Trim());
        Assert.True(cut.Find("#cancel").HasAttribute("disabled"));
        Assert.Equal("true", cut.Find(".live-view").GetAttribute("data-cancelling"));
        Assert.Contains("Cancelling", cut.Find("#job-status").TextContent);

        await cut.InvokeAsync(() => cut.Instance.OnStateChanged("Cancelled", "full", null, null, "Cancelled by the user.", [], 0));
        Assert.NotNull(cut.Find("#job-cancelled"));
        Assert.Empty(cut.FindAll("#job-error"));
        Assert.Empty(cut.FindAll("#cancel"));
    }

    [Fact]
    public void AnUnknownJobShowsAFriendlyPageWithTheWayBack()
    {
        var cut = Render<Job>(p => p.Add(x => x.Id, JobIds.New()));
        Assert.Contains("No such job", cut.Find("#not-found").TextContent);
        Assert.Contains(cut.FindAll("#not-found a"), a => a.GetAttribute("href") == "/");
    }

    [Fact]
    public async Task ACompletedJobListsItsDownloadsAndACardPerPrompt()
    {
        var job = await CreateJobAsync("look surprised", "a big smile");
        string[] artifacts =
        [
            "params.json", "mesh.glb", "mesh-obj.zip", "mesh.ply", "render.png", "transfer.json",
            "look-surprised/mesh-obj.zip", "look-surprised/mesh.glb", "look-surprised/mesh.ply", "look-surprised/codes.json",
            "look-surprised/render.png", "look-surprised/losses.json",
            "a-big-smile/mesh.glb", "a-big-smile/render.png",
        ];
        await _store.MarkRunningAsync(job.Id);
        await _store.MarkFinishedAsync(job.Id, JobStatus.Completed, null, artifacts);

        var cut = Render<Job>(p => p.Add(x => x.Id, job.Id));
        Assert.Equal("Completed", cut.Find(".live-view").GetAttribute("data-status"));
        Assert.Empty(cut.FindAll("#cancel"));

        // Grouped by what a person wants, each with a plain title, what it is for, and a name that says whose it is.
        var groups = cut.FindAll("#downloads .download-group").Select(g => g.GetAttribute("data-group")).ToList();
        Assert.Equal(["Face", "Image", "Data"], groups);
        var face = cut.Find("#downloads .download-group[data-group=Face]");
        var glb = face.QuerySelector("a[data-artifact='mesh.glb']")!;
        Assert.Equal($"/api/jobs/{job.Id}/artifacts/mesh.glb", glb.GetAttribute("href"));
        Assert.Equal($"faceclip-{job.Id[..8]}-mesh.glb", glb.GetAttribute("download"));
        Assert.Equal("3D face (GLB)", glb.TextContent.Trim());
        Assert.False(string.IsNullOrWhiteSpace(glb.GetAttribute("aria-description")));
        Assert.DoesNotContain(cut.FindAll("#downloads a.download"), a => a.TextContent.Trim() == a.TextContent.Trim().ToUpperInvariant());
        Assert.Equal($"/api/jobs/{job.Id}/download", cut.Find("#download-all").GetAttribute("href"));
        var top = cut.FindAll("#downloads a").Select(a => a.GetAttribute("href")!).ToList();
        Assert.DoesNotContain(top, h => h.Contains("look-surprised", StringComparison.Ordinal));

        var cards = cut.FindAll(".prompt-result");
        Assert.Equal(2, cards.Count);
        Assert.Contains("look surprised", cards[0].TextContent);
        var links = cards[0].QuerySelectorAll("a").Select(a => a.GetAttribute("href")!).ToList();
        foreach (var name in new[] { "mesh-obj.zip", "mesh.glb", "mesh.ply", "codes.json", "losses.json" })
        {
            Assert.Contains($"/api/jobs/{job.Id}/artifacts/look-surprised/{name}", links);
        }

        Assert.Contains("look surprised", cards[0].QuerySelector("img")!.GetAttribute("alt"));
        Assert.Contains("a big smile", cards[1].TextContent);

        // The viewer offers the fit and each prompt's face; every image says what it shows.
        var views = cut.FindAll("#view-choice button").Select(b => b.GetAttribute("data-view")).ToList();
        Assert.Equal(["fit", "look-surprised", "a-big-smile"], views);
        Assert.All(cut.FindAll("img"), img => Assert.False(string.IsNullOrWhiteSpace(img.GetAttribute("alt"))));
        cut.WaitForAssertion(() => _module.VerifyInvoke("attach"), TestSupport.TestWaits.HangCap); // the view is attached once rendered
        cut.Find("#view-choice button[data-view=look-surprised]").Click();
        var shown = _module.VerifyInvoke("show");
        Assert.Equal("look-surprised", shown.Arguments[1]);
        Assert.Equal("textured", shown.Arguments[2]);
        Assert.Contains("look-surprised/render.png", cut.Find("img.final-render").GetAttribute("src"));
    }

    [Fact]
    public async Task AnotherOwnersJobIsNoSuchJobAndItsLiveViewIsNotAttached()
    {
        var job = await CreateJobOfAsync("browser:someone-else");

        var cut = Render<Job>(p => p.Add(x => x.Id, job.Id));

        Assert.Contains("No such job", cut.Markup);
        Assert.Empty(cut.FindAll(".live-view"));
        Assert.DoesNotContain(job.Id, cut.Markup);
        Assert.Empty(_module.Invocations["attach"]);
    }

    [Fact]
    public async Task TheJobsPageListsOnlyThePageOwnersJobs()
    {
        var mine = await CreateJobAsync("a big smile");
        var theirs = await CreateJobOfAsync("browser:someone-else", "look sad");

        var cut = Render<FaceClip.Web.Components.Pages.Jobs>();

        var links = cut.FindAll("#jobs a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains($"/jobs/{mine.Id}", links);
        Assert.DoesNotContain($"/jobs/{theirs.Id}", links);
        Assert.DoesNotContain("look sad", cut.Markup);
    }

    [Fact]
    public async Task TheDeleteButtonRemovesTheJobAndReturnsToTheJobsPage()
    {
        var job = await CreateJobAsync();
        var cut = Render<Job>(p => p.Add(x => x.Id, job.Id));

        await cut.InvokeAsync(() => cut.Find("#delete").Click());

        cut.WaitForAssertion(() => Assert.EndsWith("/jobs", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri), TestSupport.TestWaits.HangCap);
        Assert.Null(await _store.GetAsync(job.Id));
        Assert.False(Directory.Exists(_store.JobDirectory(job.Id)));
    }

    [Fact]
    public async Task EachRowOfTheJobsPageHasADeleteButton()
    {
        var kept = await CreateJobAsync("a big smile");
        var deleted = await CreateJobAsync("look sad");
        var cut = Render<FaceClip.Web.Components.Pages.Jobs>();
        Assert.Equal(2, cut.FindAll(".delete-job").Count);

        var row = cut.FindAll("#jobs tr").Single(r => r.TextContent.Contains("look sad"));
        await cut.InvokeAsync(() => row.QuerySelector(".delete-job")!.Click());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".delete-job")), TestSupport.TestWaits.HangCap);
        Assert.DoesNotContain("look sad", cut.Markup);
        Assert.Null(await _store.GetAsync(deleted.Id));
        Assert.False(Directory.Exists(_store.JobDirectory(deleted.Id)));
        Assert.NotNull(await _store.GetAsync(kept.Id));
    }

    [Fact]
    public async Task TheJobsPageIssuesAnApiKeyForThePageOwner()
    {
        var cut = Render<FaceClip.Web.Components.Pages.Jobs>();
        Assert.Empty(cut.FindAll("#issued-key"));

        await cut.InvokeAsync(() => cut.Find("#issue-key").Click());

        var text = cut.Find("#issued-key").TextContent;
        var key = System.Text.RegularExpressions.Regex.Match(text, "fck_[0-9a-f]+").Value;
        Assert.Contains("X-Api-Key", text);
        Assert.Equal(PageOwner, await new FaceClip.Web.Owners.SqliteApiKeyStore(_data).FindOwnerAsync(key));
    }
}
