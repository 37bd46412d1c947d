using Bunit;
using FaceClip.Core.Runtime;
using FaceClip.TestSupport;
using FaceClip.Web.Components.Pages;
using FaceClip.Web.Hosting;
using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace FaceClip.Web.Tests.Components;

/// <summary>The studio page as a component: upload, detected faces, errors, submission. bUnit checks a
/// <c>WaitForAssertion</c> each time the component renders, so these waits follow the page's own renders; the
/// time given is only the cap for a hung test (<see cref="TestWaits.HangCap"/>), never bUnit's one-second default.</summary>
public sealed class StudioTests : BunitContext, IAsyncLifetime
{
    private static readonly Lazy<ReconstructorProvider> Provider = new(() =>
        new ReconstructorProvider(ModelStore.Open(FaceClipWebFactory.RepositoryRoot, new ModelStoreOptions { Mirror = TestSupport.SharedAssets.Models }),
            TorchRuntime.Configure(new ComputeOptions { Device = "cpu" })));

    /// <summary>The owner of the page's user.</summary>
    private const string PageOwner = "browser:studio-owner";

    private readonly string _data = Directory.CreateTempSubdirectory("faceclip-studio-").FullName;

    public StudioTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        AddAuthorization().SetAuthorized("visitor").SetClaims(new System.Security.Claims.Claim(FaceClip.Web.Owners.Owner.ClaimType, PageOwner));
        Services.AddSingleton(Provider.Value);
        Services.AddSingleton(Options.Create(new JobOptions { DataDirectory = _data, QueueCapacity = 2 }));
        Services.AddSingleton(new JobStore(_data));
        Services.AddSingleton<JobQueue>();
        Services.AddSingleton<UploadValidator>();
        Services.AddSingleton<SubmissionLimiter>();
        Services.AddSingleton<JobSubmission>();
        Render<MudBlazor.MudPopoverProvider>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services dispose asynchronously only, so the context is disposed that way.</summary>
    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task UploadingASamplePhotoShowsItsFacesAndStartSubmitsAJob()
    {
        var cut = Render<Studio>();
        Assert.True(cut.Find("#start").HasAttribute("disabled"));

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(
            File.ReadAllBytes(TestSupport.SharedAssets.SamplePhoto(1)), "sample1.jpg", contentType: "image/jpeg"));

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("#faces img").Count), TestWaits.HangCap);
        Assert.False(cut.Find("#start").HasAttribute("disabled"));
        cut.Find("#start").Click();

        cut.WaitForAssertion(() => Assert.Contains("/jobs/", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri), TestWaits.HangCap);
        var jobs = await Services.GetRequiredService<JobStore>().ListAsync(PageOwner);
        var job = Assert.Single(jobs);
        Assert.Equal(0, job.Request.FaceIndex);
        Assert.Equal(JobStatus.Queued, job.Status);
    }

    [Fact]
    public async Task PromptsAndTheDetailPassGoWithTheJob()
    {
        var cut = Render<Studio>();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(
            File.ReadAllBytes(TestSupport.SharedAssets.SamplePhoto(2)), "sample2.jpg", contentType: "image/jpeg"));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#faces img")), TestWaits.HangCap);

        cut.Find("input#prompt, #prompt input").Input("  a big smile ");
        cut.Find("#add-prompt").Click();
        cut.FindAll(".mud-chip").First(c => c.TextContent.Trim() == "look surprised").Click();
        cut.Find("input#prompt, #prompt input").Input("a big smile");
        cut.Find("#add-prompt").Click(); // a prompt already listed is not added twice
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("#prompts .mud-chip").Count), TestWaits.HangCap);

        cut.Find("input#detail, #detail input").Change(true);

        cut.Find("#start").Click();
        cut.WaitForAssertion(() => Assert.Contains("/jobs/", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri), TestWaits.HangCap);
        var job = Assert.Single(await Services.GetRequiredService<JobStore>().ListAsync(PageOwner));
        Assert.Equal(["a big smile", "look surprised"], job.Request.Prompts);
        Assert.True(job.Request.DetailPass);
    }

    [Fact]
    public void AFileThatIsNotAPhotoShowsAClearError()
    {
        var cut = Render<Studio>();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("not a photo at all", "notes.jpg"));
        cut.WaitForAssertion(() => Assert.Contains("not", cut.Find("#studio-error").TextContent, StringComparison.OrdinalIgnoreCase), TestWaits.HangCap);
        Assert.Empty(cut.FindAll("#faces img"));
        Assert.True(cut.Find("#start").HasAttribute("disabled"));
    }

    [Fact]
    public void TheStudioSaysHowLongPhotosAreKept()
    {
        var cut = Render<Studio>();

        Assert.Contains("deleted 72 hours after", cut.Find("#retention").TextContent);
    }

    [Fact]
    public void ADamagedPhotoIsRefusedBeforeAnyFaceIsLookedFor()
    {
        var photo = File.ReadAllBytes(TestSupport.SharedAssets.SamplePhoto(1));
        var cut = Render<Studio>();

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(photo[..(photo.Length * 3 / 4)], "sample1.jpg", contentType: "image/jpeg"));

        cut.WaitForAssertion(() => Assert.Contains("truncated", cut.Find("#studio-error").TextContent), TestWaits.HangCap);
        Assert.Empty(cut.FindAll("#faces img"));
        Assert.True(cut.Find("#start").HasAttribute("disabled"));
    }

    [Fact]
    public async Task TheStudiosSubmissionsCountAgainstTheOwnersLimit()
    {
        var limiter = Services.GetRequiredService<SubmissionLimiter>();
        for (var i = 0; i < new JobOptions().SubmissionsPerOwner; i++)
        {
            Assert.Null(limiter.TryAcquire(PageOwner, "studio-test"));
        }

        var cut = Render<Studio>();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(
            File.ReadAllBytes(TestSupport.SharedAssets.SamplePhoto(1)), "sample1.jpg", contentType: "image/jpeg"));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#faces img")), TestWaits.HangCap);
        cut.Find("#start").Click();

        cut.WaitForAssertion(() => Assert.Contains("Too many jobs", cut.Find("#studio-error").TextContent), TestWaits.HangCap);
        Assert.Empty(await Services.GetRequiredService<JobStore>().ListAsync(PageOwner));
    }
}
