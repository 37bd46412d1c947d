using Bunit;
using FaceClip.Core.Runtime;
using FaceClip.TestSupport;
using FaceClip.Web.Components.Pages;
using FaceClip.Web.Hosting;
using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Studio = FaceClip.Web.Components.Pages.Studio;

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

    public StudioTests() => Prepare(this, Provider.Value, _data, PageOwner);

    /// <summary>What the studio page needs in a test: the provider given, an embedded job system over
    /// <paramref name="data"/>, and a signed-in user who is <paramref name="owner"/>.</summary>
    internal static void Prepare(BunitContext context, ReconstructorProvider provider, string data, string owner)
    {
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.AddAuthorization().SetAuthorized("visitor").SetClaims(new System.Security.Claims.Claim(FaceClip.Web.Owners.Owner.ClaimType, owner));
        context.Services.AddSingleton(provider);
        context.Services.AddSingleton(Options.Create(new JobOptions { DataDirectory = data, QueueCapacity = 2 }));
        context.Services.AddSingleton<JobStore>(new SqliteJobStore(data));
        context.Services.AddSingleton<JobQueue, EmbeddedJobQueue>();
        context.Services.AddSingleton<UploadValidator>();
        context.Services.AddSingleton<SubmissionLimiter>();
        context.Services.AddSingleton<JobSubmission>();
        context.Render<MudBlazor.MudPopoverProvider>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services dispose asynchronously only, so the context is disposed that way.</summary>
    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task UploadingAGroupPhotoDrawsNumberedBoxesOnItAndPreselectsTheLargestFaceAsTheApiDoes()
    {
        var cut = Render<Studio>();
        Assert.True(cut.Find("#start").HasAttribute("disabled"));
        var photo = File.ReadAllBytes(TestSupport.SharedAssets.SamplePhoto(1));

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(photo, "sample1.jpg", contentType: "image/jpeg"));

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("#faces .face-box").Count), TestWaits.HangCap);
        // The boxes lie on the photo itself, numbered from 1, as a radio group: exactly one is chosen.
        Assert.NotNull(cut.Find("#faces img.face-photo"));
        Assert.Equal("radiogroup", cut.Find("#faces").GetAttribute("role"));
        var boxes = cut.FindAll("#faces .face-box");
        Assert.Equal(["1", "2", "3"], boxes.Select(b => b.TextContent.Trim()));
        var chosen = Assert.Single(boxes, b => b.GetAttribute("aria-checked") == "true");

        // The largest face, as the fit picks when no face is named (the REST API's default).
        using var image = FaceClip.Core.Vision.FaceImage.Decode(photo);
        var faces = Provider.Value.Get().Faces.Analyse(image).Faces;
        var largest = Enumerable.Range(0, faces.Count).MaxBy(i => faces[i].Box.Area);
        Assert.Equal(largest.ToString(System.Globalization.CultureInfo.InvariantCulture), chosen.GetAttribute("data-face"));
        Assert.Equal("0", chosen.GetAttribute("tabindex"));
        Assert.Contains("(the largest)", cut.Find("#chosen-face").TextContent);

        Assert.False(cut.Find("#start").HasAttribute("disabled"));
        cut.Find("#start").Click();
        cut.WaitForAssertion(() => Assert.Contains("/jobs/", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri), TestWaits.HangCap);
        var job = Assert.Single(await Services.GetRequiredService<JobStore>().ListAsync(PageOwner));
        Assert.Equal(largest, job.Request.FaceIndex);
        Assert.Equal(JobStatus.Queued, job.Status);
    }

    [Fact]
    public async Task ArrowKeysAndClicksMoveTheChosenFaceAndTheJobTakesIt()
    {
        var cut = Render<Studio>();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(
            File.ReadAllBytes(TestSupport.SharedAssets.SamplePhoto(1)), "sample1.jpg", contentType: "image/jpeg"));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("#faces .face-box").Count), TestWaits.HangCap);
        int Chosen() => int.Parse(cut.FindAll("#faces .face-box").Single(b => b.GetAttribute("aria-checked") == "true").GetAttribute("data-face")!);

        // Each change is read once the studio has rendered it (a key moves the focus too, which renders again).
        var first = Chosen();
        cut.Find($"#faces .face-box[data-face='{first}']").KeyDown(new KeyboardEventArgs { Key = "ArrowRight" });
        cut.WaitForAssertion(() => Assert.Equal((first + 1) % 3, Chosen()), TestWaits.HangCap);
        cut.Find($"#faces .face-box[data-face='{Chosen()}']").KeyDown(new KeyboardEventArgs { Key = "ArrowLeft" });
        cut.WaitForAssertion(() => Assert.Equal(first, Chosen()), TestWaits.HangCap);
        var other = (first + 2) % 3;
        cut.Find($"#faces .face-box[data-face='{other}']").Click();
        cut.WaitForAssertion(() => Assert.Equal(other, Chosen()), TestWaits.HangCap);
        Assert.Equal("-1", cut.Find($"#faces .face-box[data-face='{first}']").GetAttribute("tabindex"));

        cut.Find("#start").Click();
        cut.WaitForAssertion(() => Assert.Contains("/jobs/", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri), TestWaits.HangCap);
        Assert.Equal(other, Assert.Single(await Services.GetRequiredService<JobStore>().ListAsync(PageOwner)).Request.FaceIndex);
    }

    [Fact]
    public void ABmpIsRefusedByItsContentBeforeAnyFaceIsLookedFor()
    {
        // A real BMP of a real face, named .jpg: the studio checks the bytes as the submission does.
        using var photo = SixLabors.ImageSharp.Image.Load(TestSupport.SharedAssets.SamplePhoto(2));
        using var bmp = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsBmp(photo, bmp);
        var cut = Render<Studio>();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(bmp.ToArray(), "face.jpg", contentType: "image/jpeg"));

        cut.WaitForAssertion(() => Assert.Contains("BMP", cut.Find("#studio-error").TextContent, StringComparison.Ordinal), TestWaits.HangCap);
        Assert.Contains("JPEG, PNG or WebP", cut.Find("#studio-error").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("#faces .face-box"));
        Assert.True(cut.Find("#start").HasAttribute("disabled"));
    }

    [Fact]
    public void EachPromptShowsWhatTheAppWillDoWithItNextToItsChip()
    {
        var cut = Render<Studio>();
        cut.Find("input#prompt, #prompt input").Input("look surprised");
        // While it is typed, the field says how it reads (CLIP reads any text when it is installed; the sentence-embedding model names the target).
        var expected = FaceClip.Web.Inputs.PromptReading.Of("look surprised", FaceClip.Core.Losses.CriticChoice.Auto, Provider.Value.ClipAvailable, 200).Summary;
        cut.WaitForAssertion(() => Assert.Contains(expected, cut.Markup, StringComparison.Ordinal), TestWaits.HangCap);
        cut.Find("#add-prompt").Click();
        var item = cut.Find("#prompts li");
        Assert.Equal("true", item.GetAttribute("data-readable"));
        Assert.Contains("look surprised", item.TextContent, StringComparison.Ordinal);
        Assert.Equal(expected, item.QuerySelector(".prompt-reading")!.TextContent.Trim());
    }

    [Fact]
    public async Task PromptsAndTheDetailPassGoWithTheJob()
    {
        var cut = Render<Studio>();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(
            File.ReadAllBytes(TestSupport.SharedAssets.SamplePhoto(2)), "sample2.jpg", contentType: "image/jpeg"));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#faces .face-box")), TestWaits.HangCap);

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
        Assert.Empty(cut.FindAll("#faces .face-box"));
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
        Assert.Empty(cut.FindAll("#faces .face-box"));
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
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#faces .face-box")), TestWaits.HangCap);
        cut.Find("#start").Click();

        cut.WaitForAssertion(() => Assert.Contains("Too many jobs", cut.Find("#start-error").TextContent), TestWaits.HangCap);
        Assert.Empty(await Services.GetRequiredService<JobStore>().ListAsync(PageOwner));
    }
}
