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
using Studio = FaceClip.Web.Components.Pages.Studio;

namespace FaceClip.Web.Tests.Components;

/// <summary>The studio on a web node of a cluster, which loads no models: it shows the photo, says the job will find
/// the faces, and submits without a face so the worker fits the largest.</summary>
public sealed class WebNodeStudioTests : BunitContext, IAsyncLifetime
{
    private const string PageOwner = "browser:web-node-owner";
    private readonly string _data = Directory.CreateTempSubdirectory("faceclip-webnode-studio-").FullName;
    private readonly ReconstructorProvider _provider;

    public WebNodeStudioTests()
    {
        _provider = new ReconstructorProvider(ModelStore.Open(FaceClipWebFactory.RepositoryRoot, new ModelStoreOptions { Mirror = SharedAssets.Models }),
            new ComputeContext(TorchSharp.torch.CPU, 1, "cpu (test)"), Options.Create(new NodeOptions { Role = "web" }));
        StudioTests.Prepare(this, _provider, _data, PageOwner);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task APhotoIsShownWithoutFaceBoxesAndTheJobIsSubmittedForTheLargestFace()
    {
        var cut = Render<Studio>();
        var photo = File.ReadAllBytes(SharedAssets.SamplePhoto(1));
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(photo, "sample1.jpg", contentType: "image/jpeg"));

        cut.WaitForAssertion(() => Assert.Contains("finds the faces when it runs", cut.Find("#faces-caption").TextContent), TestWaits.HangCap);
        Assert.NotNull(cut.Find("#faces img.face-photo"));
        Assert.Empty(cut.FindAll("#faces .face-box"));
        Assert.False(_provider.IsLoaded);
        Assert.False(cut.Find("#start").HasAttribute("disabled"));

        cut.Find("#start").Click();
        cut.WaitForAssertion(() => Assert.Contains("/jobs/", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri), TestWaits.HangCap);
        var job = Assert.Single(await Services.GetRequiredService<JobStore>().ListAsync(PageOwner));
        Assert.Null(job.Request.FaceIndex);
        Assert.False(_provider.IsLoaded);
    }
}
