using FaceClip.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FaceClip.Web.BrowserTests;

/// <summary>
/// A person in a browser: pastes a sample photo into the studio, picks an expression prompt from the suggestions,
/// starts the job, watches the WebGL canvas draw a mesh that changes while the job runs, sees the progress reach
/// completion with a result card for the prompt, and downloads and parses the GLB. Runs the real
/// app on a loopback port and Debian's Chromium (headless, software WebGL). Screenshots go to TestResults/.
/// </summary>
public sealed class StudioBrowserTests : IAsyncLifetime
{
    private static readonly string Root = TestSupport.SharedAssets.RepositoryRoot;
    private readonly string _data = Directory.CreateTempSubdirectory("faceclip-browser-").FullName;
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _baseUrl = "";

    /// <summary>Downloads wait as long as a test may (Playwright's requests otherwise give up after 30 s).</summary>
    private static readonly APIRequestContextOptions Patient = new() { Timeout = TestWaits.HangCapMilliseconds };

    /// <summary>True in the page once the job has ended, however it ended: a wait for something the running job
    /// shows also ends there, so a job that fails is reported at once rather than after the hang cap.</summary>
    private const string Finished = "['Completed', 'Failed', 'Cancelled', 'Interrupted'].includes(document.querySelector('.live-view')?.dataset.status)";

    public static string Screenshots { get; } = Path.Combine(Root, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Models:Mirror", TestSupport.SharedAssets.Models);
            b.UseSetting("Jobs:DataDirectory", _data);
            b.UseSetting("Reconstruction:PoseIterations", "60");
            b.UseSetting("Reconstruction:ShapeIterations", "40");
            b.UseSetting("Reconstruction:PreviewEvery", "2");
            b.UseSetting("Reconstruction:TextureSize", "256");
            b.UseSetting("Transfer:Iterations", "12");
            b.UseSetting("Transfer:PreviewEvery", "3");
            b.UseEnvironment("Production");
            b.UseSetting("DetailedErrors", "true");
            b.UseSetting("Urls", "http://127.0.0.1:0");
            // The server keeps a browser whose messages are slow to come (a starved machine) instead of dropping it.
            b.ConfigureServices(s => s.Configure<HubOptions>(o => o.ClientTimeoutInterval = TestWaits.HangCap));
        });
        _factory.UseKestrel(0);
        _factory.StartServer();
        _baseUrl = _factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Timeout = TestWaits.HangCapMilliseconds,
            Args = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        Directory.CreateDirectory(Screenshots);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _factory?.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task UploadWatchTheMeshConvergeAndDownloadTheResults()
    {
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        // Every wait below is for something the page shows (Playwright re-checks until it appears); the default limit
        // of each is only the cap for a hung test, never a timing check (Playwright's own default is 30 s).
        page.SetDefaultTimeout(TestWaits.HangCapMilliseconds);
        page.SetDefaultNavigationTimeout(TestWaits.HangCapMilliseconds);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await RecordPolicyViolationsAsync(page);
        await page.GotoAsync(_baseUrl + "/");
        await page.WaitForSelectorAsync("input[type=file]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

        // The page must be interactive (its circuit connected) before the upload is handled.
        await page.WaitForSelectorAsync("#studio[data-interactive=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        // Paste the photo (as an image on the clipboard would arrive): the studio hands it to its upload.
        var photo = await File.ReadAllBytesAsync(Path.Combine(Root, "node_modules", "@vladmandic", "face-api", "demo", "sample1.jpg"));
        await page.EvaluateAsync(@"b64 => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const clipboard = new DataTransfer();
            clipboard.items.add(new File([bytes], 'image.jpg', { type: 'image/jpeg' }));
            document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true, cancelable: true }));
        }", Convert.ToBase64String(photo));
        try
        {
            await page.WaitForSelectorAsync("#faces img, #studio-error"); // the faces, or the error that ends the wait
        }
        finally
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "studio.png") });
        }

        Assert.Empty(await page.Locator("#studio-error").AllInnerTextsAsync());
        Assert.Equal(3, await page.Locator("#faces img").CountAsync());
        await page.GetByLabel("Iterations (full stage)").FillAsync("40");
        await page.Locator(".mud-chip", new PageLocatorOptions { HasTextString = "look surprised" }).ClickAsync();
        await page.WaitForSelectorAsync("#prompts .mud-chip");
        Assert.Equal("look surprised", (await page.Locator("#prompts .mud-chip").InnerTextAsync()).Trim());
        await page.Locator("#start").ClickAsync();
        await page.WaitForURLAsync("**/jobs/*");

        // The canvas draws a mesh, and the mesh changes while the fit runs.
        await page.WaitForFunctionAsync($"() => +(document.querySelector('.live-view')?.dataset.meshUpdates ?? 0) >= 2 || {Finished}");
        var first = await page.Locator("#mesh-canvas").ScreenshotAsync();
        var updates = await page.EvaluateAsync<int>("() => +document.querySelector('.live-view').dataset.meshUpdates");
        Assert.True(updates >= 2, $"the canvas drew {updates} meshes before the job ended");

        // Later in the fit: more vertex updates, and past the rigid pose stage (whose steps can be sub-pixel), so the
        // shape itself has moved.
        const string MovedOn = @"n => +(document.querySelector('.live-view')?.dataset.meshUpdates ?? 0) >= n + 6
            && !/^(loading|pose|queued)/.test(document.querySelector('.live-view .stage')?.textContent ?? '')";
        await page.WaitForFunctionAsync($"n => ({MovedOn})(n) || {Finished}", updates);
        Assert.True(await page.EvaluateAsync<bool>(MovedOn, updates), "the fit went past the pose stage with six more mesh updates before the job ended");
        var later = await page.Locator("#mesh-canvas").ScreenshotAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "live-view.png") });
        Assert.True(NonBackgroundShare(first) > 0.05, "the canvas must show the mesh");
        Assert.NotEqual(Convert.ToBase64String(first), Convert.ToBase64String(later));

        var final = await page.WaitForFunctionAsync($"() => {Finished} && document.querySelector('.live-view').dataset.status");
        Assert.Equal("Completed", await final.JsonValueAsync<string>());
        await page.WaitForSelectorAsync("#downloads a");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "completed.png") });

        var links = await page.Locator("#downloads a").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('href'))");
        Assert.Contains(links, l => l.EndsWith("/params.json", StringComparison.Ordinal));
        var download = await page.APIRequest.GetAsync(_baseUrl + links.First(l => l.EndsWith("/params.json", StringComparison.Ordinal)), Patient);
        Assert.True(download.Ok);
        Assert.Contains("landmarks2d", await download.TextAsync());

        // The GLB parses: one textured mesh with the 53 expression blendshapes as morph targets.
        var glb = Path.Combine(_data, "download.glb");
        await File.WriteAllBytesAsync(glb, await (await page.APIRequest.GetAsync(_baseUrl + links.First(l => l.EndsWith("/mesh.glb", StringComparison.Ordinal)), Patient)).BodyAsync());
        var model = SharpGLTF.Schema2.ModelRoot.Load(glb);
        var primitive = model.LogicalMeshes.Single().Primitives.Single();
        Assert.Equal(53, primitive.MorphTargetsCount);
        Assert.True(primitive.GetVertexAccessor("POSITION").Count > 10_000);
        Assert.NotEmpty(model.LogicalImages);

        // The prompt has its own card, whose GLB carries the animation into the new expression.
        var card = page.Locator(".prompt-result");
        Assert.Contains("look surprised", await card.InnerTextAsync());
        var cardLinks = await card.Locator("a").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('href'))");
        var promptGlb = Path.Combine(_data, "prompt.glb");
        await File.WriteAllBytesAsync(promptGlb, await (await page.APIRequest.GetAsync(_baseUrl + cardLinks.First(l => l.EndsWith("/look-surprised/mesh.glb", StringComparison.Ordinal)), Patient)).BodyAsync());
        Assert.Single(SharpGLTF.Schema2.ModelRoot.Load(promptGlb).LogicalAnimations);
        Assert.Empty(errors);
        // The app's own scripts, styles, images and connections all satisfy its content security policy.
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__policyViolations"));
        Assert.Contains("script-src 'self' 'nonce-", (await page.APIRequest.GetAsync(_baseUrl + "/", Patient)).Headers["content-security-policy"]);
    }

    [Fact]
    public async Task AJobIsSeenOnlyFromTheBrowserThatStartedItAndItsDeleteButtonRemovesIt()
    {
        // Each page below is its own browser context: its own cookies, so its own owner.
        var owner = await _browser!.NewPageAsync();
        var stranger = await _browser.NewPageAsync();
        foreach (var p in new[] { owner, stranger })
        {
            p.SetDefaultTimeout(TestWaits.HangCapMilliseconds);
            p.SetDefaultNavigationTimeout(TestWaits.HangCapMilliseconds);
            await RecordPolicyViolationsAsync(p);
        }

        await owner.GotoAsync(_baseUrl + "/");
        Assert.Contains("deleted 72 hours after", await owner.Locator("#retention").InnerTextAsync());
        var photo = await File.ReadAllBytesAsync(Path.Combine(Root, "node_modules", "@vladmandic", "face-api", "demo", "sample1.jpg"));
        var submitted = await owner.APIRequest.PostAsync(_baseUrl + "/api/jobs", new APIRequestContextOptions
        {
            Timeout = TestWaits.HangCapMilliseconds,
            Multipart = owner.Context.APIRequest.CreateFormData()
                .Append("image", new FilePayload { Name = "sample1.jpg", MimeType = "image/jpeg", Buffer = photo })
                .Append("iterations", "2000"),
        });
        Assert.Equal(202, submitted.Status);
        var id = (await submitted.JsonAsync())!.Value.GetProperty("id").GetString()!;

        await owner.GotoAsync($"{_baseUrl}/jobs/{id}");
        await owner.WaitForSelectorAsync("#delete");
        await owner.GotoAsync($"{_baseUrl}/jobs");
        await owner.WaitForSelectorAsync($"#jobs a[href='/jobs/{id}']");

        await stranger.GotoAsync($"{_baseUrl}/jobs/{id}");
        await stranger.GetByText("No such job.").WaitForAsync();
        Assert.Equal(0, await stranger.Locator(".live-view").CountAsync());
        Assert.Equal(404, (await stranger.APIRequest.GetAsync($"{_baseUrl}/api/jobs/{id}/input", Patient)).Status);
        Assert.Equal(404, (await stranger.APIRequest.GetAsync($"{_baseUrl}/api/jobs/{id}", Patient)).Status);
        await stranger.GotoAsync($"{_baseUrl}/jobs");
        await stranger.GetByText("No jobs yet").WaitForAsync();
        Assert.Equal(0, await stranger.Locator($"#jobs a[href='/jobs/{id}']").CountAsync());

        // The owner deletes the job from its page, running or not: it is gone, photo and all.
        await owner.GotoAsync($"{_baseUrl}/jobs/{id}");
        await owner.WaitForSelectorAsync(".live-view");
        await owner.Locator("#delete").ClickAsync();
        await owner.WaitForURLAsync("**/jobs");
        await owner.GetByText("No jobs yet").WaitForAsync();
        Assert.Equal(404, (await owner.APIRequest.GetAsync($"{_baseUrl}/api/jobs/{id}", Patient)).Status);
        Assert.Equal(404, (await owner.APIRequest.GetAsync($"{_baseUrl}/api/jobs/{id}/input", Patient)).Status);
        Assert.False(Directory.Exists(Path.Combine(_data, "jobs", id)));
        foreach (var p in new[] { owner, stranger })
        {
            Assert.Empty(await p.EvaluateAsync<string[]>("() => window.__policyViolations"));
        }
    }

    /// <summary>Collects the page's content-security-policy violations in <c>window.__policyViolations</c>.</summary>
    private static Task RecordPolicyViolationsAsync(IPage page) => page.AddInitScriptAsync(@"
        window.__policyViolations = [];
        document.addEventListener('securitypolicyviolation', e => window.__policyViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));");

    /// <summary>Share of canvas pixels that differ from the background colour.</summary>
    private static double NonBackgroundShare(byte[] png)
    {
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(png);
        var background = image[1, 1];
        long differ = 0;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    if (Math.Abs(p.R - background.R) + Math.Abs(p.G - background.G) + Math.Abs(p.B - background.B) > 30)
                    {
                        differ++;
                    }
                }
            }
        });
        return differ / (double)(image.Width * image.Height);
    }

    private static string ChromiumPath()
    {
        var path = Environment.GetEnvironmentVariable("FACECLIP_CHROMIUM") ?? "/usr/bin/chromium";
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Chromium is needed for the browser tests: install Debian's 'chromium' package (scripts/setup.sh --tests does) or set FACECLIP_CHROMIUM.", path);
    }
}
