using System.Text.Json;
using FaceClip.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FaceClip.Web.BrowserTests;

/// <summary>
/// The real app on a loopback port over a data folder (so a test can stop it and start it again over the same jobs),
/// Debian's Chromium (headless, software WebGL), and the checks every page gets: axe-core (the npm package, pinned in
/// package.json) finds no serious or critical accessibility violation.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public static readonly string Root = SharedAssets.RepositoryRoot;

    public static string Screenshots { get; } = Path.Combine(Root, "TestResults", "screenshots");

    /// <summary>Downloads wait as long as a test may (Playwright's requests otherwise give up after 30 s).</summary>
    public static readonly APIRequestContextOptions Patient = new() { Timeout = TestWaits.HangCapMilliseconds };

    /// <summary>True in the page once the job has ended, however it ended: a wait for something the running job
    /// shows also ends there, so a job that fails is reported at once rather than after the hang cap.</summary>
    public const string Finished = "['Completed', 'Failed', 'Cancelled', 'Interrupted'].includes(document.querySelector('.live-view')?.dataset.status)";

    /// <summary>The cap of a page's waits: <see cref="TestWaits.HangCap"/>, or FACECLIP_BROWSER_WAIT_CAP_S seconds
    /// while a test is being written (a wait for something that never shows then fails in minutes, not twenty).</summary>
    private static float WaitCap => float.TryParse(Environment.GetEnvironmentVariable("FACECLIP_BROWSER_WAIT_CAP_S"), out var s) && s > 0
        ? s * 1000
        : TestWaits.HangCapMilliseconds;

    private readonly List<IBrowserContext> _contexts = [];
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;

    private BrowserSession(string data) => Data = data;

    /// <summary>The data folder (SQLite and the jobs' files) the app runs over.</summary>
    public string Data { get; }

    public string BaseUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public IServiceProvider Services => _factory!.Services;

    public static async Task<BrowserSession> StartAsync()
    {
        var session = new BrowserSession(Directory.CreateTempSubdirectory("faceclip-browser-").FullName);
        session.StartServer();
        session._playwright = await Playwright.CreateAsync();
        session.Browser = await session._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Timeout = TestWaits.HangCapMilliseconds,
            Args = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        Directory.CreateDirectory(Screenshots);
        return session;
    }

    private void StartServer()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Models:Mirror", SharedAssets.Models);
            b.UseSetting("Jobs:DataDirectory", Data);
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
        BaseUrl = _factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    /// <summary>Stops the app and starts it again over the same data folder (a new port).</summary>
    public void Restart()
    {
        _factory?.Dispose();
        StartServer();
    }

    /// <summary>A page whose every wait may last as long as a test may (Playwright's own default is 30 s); the
    /// waits are for what the page shows, never timing checks. Page errors are collected into <paramref name="errors"/>.</summary>
    public async Task<IPage> NewPageAsync(List<string> errors, string? timezone = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
            TimezoneId = timezone,
            Locale = "en-GB",
        });
        // Every page is traced (screenshots and DOM snapshots of each action), so a failure can be replayed with
        // `npx playwright show-trace TestResults/traces/<n>.zip`.
        await context.Tracing.StartAsync(new TracingStartOptions { Screenshots = true, Snapshots = true });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(WaitCap);
        page.SetDefaultNavigationTimeout(WaitCap);
        page.PageError += (_, e) => errors.Add(e);
        // File choosers are intercepted from the start (Playwright turns interception on when a handler is added, and
        // a chooser that opens before that finishes is lost).
        page.FileChooser += (_, _) => { };
        // axe-core in every page, for the accessibility checks (an init script: a script tag would break the policy).
        await page.AddInitScriptAsync(scriptPath: Path.Combine(Root, "node_modules", "axe-core", "axe.min.js"));
        // Every content-security-policy violation of the page is kept in window.__policyViolations.
        await page.AddInitScriptAsync(@"
            window.__policyViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.__policyViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));");
        return page;
    }

    /// <summary>The content-security-policy violations the page has had so far.</summary>
    public static Task<string[]> PolicyViolationsAsync(IPage page) => page.EvaluateAsync<string[]>("() => window.__policyViolations ?? []");

    /// <summary>Opens an app page and waits until its circuit is connected (its components answer events).</summary>
    public async Task GotoAsync(IPage page, string path)
    {
        await page.GotoAsync(BaseUrl + path);
        await page.WaitForFunctionAsync("() => window.Blazor && document.querySelector('.mud-layout')");
    }

    /// <summary>The serious and critical axe-core violations of the page as it is now ("rule: target" each).</summary>
    public static async Task<IReadOnlyList<string>> AccessibilityViolationsAsync(IPage page)
    {
        // Colours are judged as they settle: a button that has just been enabled fades from the disabled grey for a
        // quarter of a second, and axe-core reading it halfway would report a contrast the person never sees for long.
        var json = await page.EvaluateAsync<string>(@"async () => {
            for (let i = 0; i < 10; i++) {
                const running = document.getAnimations().filter(a => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity);
                if (running.length === 0) break;
                await Promise.all(running.map(a => a.finished.catch(() => null)));
            }
            const result = await axe.run(document, { resultTypes: ['violations'] });
            return JSON.stringify(result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')} ${n.failureSummary ?? ''}`.slice(0, 400))));
        }");
        return JsonSerializer.Deserialize<string[]>(json) ?? [];
    }

    /// <summary>Share of an image's pixels that differ from its top-left colour (the background).</summary>
    public static double NonBackgroundShare(byte[] png)
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

    /// <summary>Where the pages' traces are written when the session ends.</summary>
    public static string Traces { get; } = Path.Combine(Root, "TestResults", "traces");

    public async ValueTask DisposeAsync()
    {
        Directory.CreateDirectory(Traces);
        foreach (var context in _contexts)
        {
            var name = $"{DateTime.UtcNow:HHmmss}-{Guid.NewGuid().ToString("N")[..6]}.zip";
            try
            {
                await context.Tracing.StopAsync(new TracingStopOptions { Path = Path.Combine(Traces, name) });
            }
            catch (PlaywrightException)
            {
                // the context was closed with its browser: no trace to keep
            }
        }

        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _factory?.Dispose();
        Directory.Delete(Data, recursive: true);
    }
}
