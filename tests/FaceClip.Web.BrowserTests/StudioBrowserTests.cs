using FaceClip.Core.Runtime;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace FaceClip.Web.BrowserTests;

/// <summary>
/// A person in a browser: uploads a sample photo in the studio, starts the fit, watches the WebGL canvas draw a
/// mesh that changes while the job runs, sees the progress reach completion and downloads the results. Runs the real
/// app on a loopback port and Debian's Chromium (headless, software WebGL). Screenshots go to TestResults/.
/// </summary>
public sealed class StudioBrowserTests : IAsyncLifetime
{
    private static readonly string Root = ProductPaths.FindRoot(AppContext.BaseDirectory);
    private readonly string _data = Directory.CreateTempSubdirectory("faceclip-browser-").FullName;
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _baseUrl = "";

    public static string Screenshots { get; } = Path.Combine(Root, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Models:Mirror", SharedModels());
            b.UseSetting("Jobs:DataDirectory", _data);
            b.UseSetting("Reconstruction:PoseIterations", "60");
            b.UseSetting("Reconstruction:ShapeIterations", "40");
            b.UseSetting("Reconstruction:PreviewEvery", "2");
            b.UseSetting("Reconstruction:TextureSize", "256");
            b.UseEnvironment("Production");
            b.UseSetting("DetailedErrors", "true");
            b.UseSetting("Urls", "http://127.0.0.1:0");
        });
        _factory.UseKestrel(0);
        _factory.StartServer();
        _baseUrl = _factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
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
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(_baseUrl + "/");
        await page.WaitForSelectorAsync("input[type=file]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

        // The page must be interactive (its circuit connected) before the upload is handled.
        await page.WaitForSelectorAsync("#studio[data-interactive=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        await page.Locator("input[type=file]").SetInputFilesAsync(Path.Combine(Root, "node_modules", "@vladmandic", "face-api", "demo", "sample1.jpg"));
        try
        {
            await page.WaitForSelectorAsync("#faces img", new PageWaitForSelectorOptions { Timeout = 120_000 });
        }
        finally
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "studio.png") });
        }

        Assert.Equal(3, await page.Locator("#faces img").CountAsync());
        await page.GetByLabel("Iterations (full stage)").FillAsync("40");
        await page.Locator("#start").ClickAsync();
        await page.WaitForURLAsync("**/jobs/*", new PageWaitForURLOptions { Timeout = 30_000 });

        // The canvas draws a mesh, and the mesh changes while the fit runs.
        await page.WaitForFunctionAsync("() => +(document.querySelector('.live-view')?.dataset.meshUpdates ?? 0) >= 2", null,
            new PageWaitForFunctionOptions { Timeout = 120_000 });
        var first = await page.Locator("#mesh-canvas").ScreenshotAsync();
        await page.WaitForFunctionAsync("() => +(document.querySelector('.live-view')?.dataset.meshUpdates ?? 0) >= 8", null,
            new PageWaitForFunctionOptions { Timeout = 120_000 });
        var later = await page.Locator("#mesh-canvas").ScreenshotAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "live-view.png") });
        Assert.True(NonBackgroundShare(first) > 0.05, "the canvas must show the mesh");
        Assert.NotEqual(Convert.ToBase64String(first), Convert.ToBase64String(later));

        await page.WaitForFunctionAsync("() => document.querySelector('.live-view')?.dataset.status === 'Completed'", null,
            new PageWaitForFunctionOptions { Timeout = 300_000 });
        await page.WaitForSelectorAsync("#downloads a", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "completed.png") });

        var links = await page.Locator("#downloads a").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('href'))");
        Assert.Contains(links, l => l.EndsWith("/params.json", StringComparison.Ordinal));
        var download = await page.APIRequest.GetAsync(_baseUrl + links.First(l => l.EndsWith("/params.json", StringComparison.Ordinal)));
        Assert.True(download.Ok);
        Assert.Contains("landmarks2d", await download.TextAsync());
        Assert.Empty(errors);
    }

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

    private static string SharedModels()
    {
        var configured = Environment.GetEnvironmentVariable("FACECLIP_MODEL_MIRROR");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(Root).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "models");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("The shared model mirror (../shared/models) was not found; set FACECLIP_MODEL_MIRROR.");
    }
}
