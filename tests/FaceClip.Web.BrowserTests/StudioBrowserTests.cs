using System.IO.Compression;
using FaceClip.TestSupport;
using FaceClip.Web.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FaceClip.Web.BrowserTests;

/// <summary>
/// A person in a browser, as a new user would use the app: gets around with the top bar, reaches the photo drop zone
/// with the keyboard, has a BMP refused at once, picks a face on the photo itself, types a prompt the app cannot read
/// and sees why beside it, starts the job, watches the whole job's progress with a render from the first stage, sees
/// the results grouped and named, switches the viewer between the fit and the prompt, reads the loss chart, reloads
/// and restarts the server and finds the job whole, and browses the jobs list in their own time zone. Every page
/// passes an axe-core check. Screenshots go to TestResults/screenshots.
/// </summary>
public sealed class StudioBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BrowserSession _session = null!;

    public async Task InitializeAsync() => _session = await BrowserSession.StartAsync();

    public async Task DisposeAsync() => await _session.DisposeAsync();

    private static string Shot(string name) => Path.Combine(BrowserSession.Screenshots, name);

    /// <summary>Notes how far a test got, in its output and in TestResults/browser-steps.log (read while a run is
    /// slow, or after one hung).</summary>
    private void Step(string what)
    {
        var line = $"{DateTime.UtcNow:HH:mm:ss} {what}";
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(BrowserSession.Screenshots, "..", "browser-steps.log"), line + Environment.NewLine);
    }

    /// <summary>Picks a critic in the studio's select (its list opens in a popover).</summary>
    private static async Task ChooseCriticAsync(IPage page, string critic)
    {
        await page.Locator(".mud-select", new() { HasTextString = "Critic" }).Locator(".mud-input-control-input-container, .mud-select-input").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = critic }).ClickAsync();
        await page.Locator(".mud-select", new() { HasTextString = critic }).First.WaitForAsync();
    }

    /// <summary>Waits until the studio's photo input listens for files: Blazor's InputFile hooks its change event in a
    /// script call after the first render, and files set before that are never read (a run once waited 5 min for faces).
    /// The hook marks the element (<c>_blazorInputFileNextFileId</c>).</summary>
    private static async Task WaitForPhotoInputAsync(IPage page) =>
        await page.WaitForFunctionAsync("() => typeof document.querySelector('#photo-drop input[type=file]:not(.d-none)')?._blazorInputFileNextFileId === 'number'");

    /// <summary>Chooses a photo in the studio, as a drop or the file chooser would.</summary>
    private static async Task ChoosePhotoAsync(IPage page, string path)
    {
        await WaitForPhotoInputAsync(page);
        await page.Locator("#photo-drop input[type=file]:not(.d-none)").SetInputFilesAsync(path);
    }

    private async Task AssertAccessibleAsync(IPage page, string what)
    {
        var violations = await BrowserSession.AccessibilityViolationsAsync(page);
        Assert.True(violations.Count == 0, $"axe-core found serious violations on {what}:\n{string.Join("\n", violations)}");
    }

    [Fact]
    public async Task APersonUsesTheStudioFromPhotoToResultsAndFindsTheJobWholeAfterARestart()
    {
        var errors = new List<string>();
        const string Zone = "Pacific/Auckland"; // far from the server's UTC, so a time in the server's zone shows
        var page = await _session.NewPageAsync(errors, Zone);
        var b = _session.BaseUrl;

        Step("1. Navigation");
        // 1. Navigation: the top bar's items and the logo are links that always lead somewhere.
        await _session.GotoAsync(page, "/models");
        await page.Locator("#nav-jobs").ClickAsync();
        await page.WaitForURLAsync(b + "/jobs");
        await page.Locator("#nav-studio").ClickAsync();
        await page.WaitForURLAsync(b + "/");
        await page.Locator("#nav-models").ClickAsync();
        await page.WaitForURLAsync(b + "/models");
        await page.Locator(".top-nav .brand").ClickAsync();
        await page.WaitForURLAsync(b + "/");
        await page.WaitForSelectorAsync("#studio[data-interactive=true]", new() { State = WaitForSelectorState.Attached });
        Assert.Contains("active", await page.Locator("#nav-studio").GetAttributeAsync("class"));

        Step("11. The drop zone");
        // 11. The drop zone is in the tab order and opens the file chooser from the keyboard.
        var tabs = 0;
        while (await page.EvaluateAsync<string>("() => document.activeElement?.id ?? ''") != "drop-zone")
        {
            Assert.True(++tabs <= 12, "the drop zone is reached within a few Tab presses");
            await page.Keyboard.PressAsync("Tab");
        }

        Step("7. A BMP");
        // 7. A BMP (a real photo, saved as BMP) is refused by its content before any face is looked for.
        var bmp = Path.Combine(_session.Data, "photo.bmp");
        using (var photo = SixLabors.ImageSharp.Image.Load(SharedAssets.SamplePhoto(1)))
        {
            await SixLabors.ImageSharp.ImageExtensions.SaveAsBmpAsync(photo, bmp);
        }

        await WaitForPhotoInputAsync(page);
        var chooser = await page.RunAndWaitForFileChooserAsync(() => page.Keyboard.PressAsync("Enter"));
        await chooser.SetFilesAsync(bmp);
        await page.WaitForSelectorAsync("#studio-error");
        Assert.Contains("BMP", await page.Locator("#studio-error").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#faces .face-box").CountAsync());

        Step("6. The face picker");
        // 6. The face picker is drawn on the photo: numbered boxes, the largest preselected, arrows move the choice.
        await ChoosePhotoAsync(page, SharedAssets.SamplePhoto(1));
        await page.WaitForSelectorAsync("#faces .face-box");
        Assert.Equal(0, await page.Locator("#studio-error").CountAsync());
        Assert.Equal(3, await page.Locator("#faces .face-box").CountAsync());
        Assert.Equal(["1", "2", "3"], (await page.Locator("#faces .face-number").AllInnerTextsAsync()).Select(t => t.Trim()));
        var chosen = page.Locator("#faces .face-box[aria-checked=true]");
        var largest = await chosen.GetAttributeAsync("data-face");
        Assert.Contains("(the largest)", await chosen.GetAttributeAsync("aria-label"));
        // The boxes lie on the faces: each is inside the photo.
        var photoBox = (await page.Locator("#faces img.face-photo").BoundingBoxAsync())!;
        foreach (var box in await page.Locator("#faces .face-box").AllAsync())
        {
            var r = (await box.BoundingBoxAsync())!;
            Assert.True(r.X >= photoBox.X - 1 && r.Y >= photoBox.Y - 1 && r.X + r.Width <= photoBox.X + photoBox.Width + 1 && r.Y + r.Height <= photoBox.Y + photoBox.Height + 1);
        }

        await chosen.FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.WaitForFunctionAsync("f => document.querySelector('#faces .face-box[aria-checked=true]')?.dataset.face !== f", largest);
        Assert.Equal(await page.Locator("#faces .face-box[aria-checked=true]").GetAttributeAsync("data-face"),
            await page.EvaluateAsync<string>("() => document.activeElement?.dataset.face"));
        await page.Locator($"#faces .face-box[data-face='{largest}']").ClickAsync();
        await page.WaitForSelectorAsync($"#faces .face-box[data-face='{largest}'][aria-checked=true]");

        // The embedded critics read prompts by meaning (CLIP reads anything), so the person sees a real check.
        await ChooseCriticAsync(page, "face recognition network");
        await page.GetByLabel("Iterations (full stage)").FillAsync("40");

        Step("5. A prompt");
        // 5. A prompt is checked as it is typed, and a chip the app cannot read says why and blocks Start until removed.
        var prompt = page.GetByLabel("Expression prompt");
        await prompt.FillAsync("a teapot on the moon");
        await page.WaitForSelectorAsync("text=Names no expression");
        await prompt.PressAsync("Enter");
        var bad = page.Locator("#prompts li[data-readable=false]");
        await bad.WaitForAsync();
        Assert.Contains("Names no expression", await bad.InnerTextAsync());
        Assert.True(await page.Locator("#start").IsDisabledAsync());
        Assert.Contains("marked in red", await page.Locator("#start-blocker").InnerTextAsync());
        await bad.Locator(".mud-chip-close-button, button").First.ClickAsync();
        await page.WaitForSelectorAsync("#prompts li", new() { State = WaitForSelectorState.Detached });
        Assert.Equal(0, await page.Locator("#start-blocker").CountAsync());
        Assert.False(await page.Locator("#start").IsDisabledAsync());
        await page.Locator(".mud-chip", new() { HasTextString = "look surprised" }).ClickAsync();
        var good = page.Locator("#prompts li[data-readable=true]");
        await good.WaitForAsync();
        Assert.Contains("Reads as surprised", await good.InnerTextAsync());

        Step("AssertAccessibleAsync(page, the studio");
        await AssertAccessibleAsync(page, "the studio");
        await page.ScreenshotAsync(new() { Path = Shot("studio.png") });

        await page.Locator("#start").ClickAsync();
        await page.WaitForURLAsync("**/jobs/*");
        var jobUrl = page.Url;
        var jobId = jobUrl[(jobUrl.LastIndexOf('/') + 1)..];
        var started = await page.EvaluateAsync<double>("() => performance.now()");

        Step("4. A render");
        // 4. A render from the first stage; 3. the whole job's progress: marks for its stages, a time left for all of it.
        await page.WaitForFunctionAsync($"() => +(document.querySelector('.live-view')?.dataset.renders ?? 0) >= 1 || {BrowserSession.Finished}");
        var firstRenderStage = await page.EvaluateAsync<string>("() => document.querySelector('.live-view').dataset.firstRenderStage");
        // The stage the job was in when the page joined (none: it joined before the first step). A page that joins
        // during the first stage shows a render of that stage; one that joins later replays the latest render, which is
        // from the stage it joined in or the one before (the new stage may not have drawn yet).
        var joinedStage = await page.EvaluateAsync<string?>("() => document.querySelector('.live-view').dataset.joinedStage ?? null") ?? "pose";
        output.WriteLine($"first render: {firstRenderStage} stage, {(await page.EvaluateAsync<double>("() => performance.now()") - started) / 1000:F1} s after the job page opened, which joined in the {joinedStage} stage");
        string[] stages = ["pose", "shape", "full", "transfer"];
        var joined = Array.IndexOf(stages, joinedStage);
        Assert.True(joined >= 0, $"the page joined in an unknown stage '{joinedStage}'");
        Assert.Contains(firstRenderStage, joined == 0 ? ["pose"] : stages[(joined - 1)..(joined + 1)]);
        await page.WaitForFunctionAsync($"() => /left of/.test(document.querySelector('#eta')?.textContent ?? '') || {BrowserSession.Finished}");
        Assert.Matches("about .* left of .*", await page.Locator("#eta").InnerTextAsync());
        Assert.Equal(["pose", "shape", "full", "transfer"], await page.Locator(".progress-marks .mark").AllInnerTextsAsync());
        // 6. The live view shows the face being fitted, not the whole group.
        await page.WaitForFunctionAsync("() => document.querySelector('img.face')?.naturalWidth > 0 && /\\/face/.test(document.querySelector('img.face').currentSrc)");
        Assert.Contains($"face {int.Parse(largest!) + 1} of the photo", await page.Locator("figure:has(img.face) figcaption").InnerTextAsync());

        Step("The canvas draws a mesh");
        // The canvas draws a mesh, and the mesh changes while the fit runs.
        await page.WaitForFunctionAsync($"() => +(document.querySelector('.live-view')?.dataset.meshUpdates ?? 0) >= 2 || {BrowserSession.Finished}");
        var first = await page.Locator("#mesh-canvas").ScreenshotAsync();
        var updates = await page.EvaluateAsync<int>("() => +document.querySelector('.live-view').dataset.meshUpdates");
        Assert.True(updates >= 2, $"the canvas drew {updates} meshes before the job ended");
        const string MovedOn = @"n => +(document.querySelector('.live-view')?.dataset.meshUpdates ?? 0) >= n + 6
            && /^(full|transfer)/.test(document.querySelector('.live-view .stage')?.textContent ?? '')";
        // The bar is the whole job's progress, not the stage's: read at the moment the fit has moved on (in one
        // evaluation, whatever the job does next), it is at or past the mark where the current stage starts.
        var reading = await (await page.WaitForFunctionAsync($@"n => {{
            if (!({MovedOn})(n)) return ({BrowserSession.Finished}) ? 'ended' : false;
            const stage = document.querySelector('.live-view .stage').textContent.trim().split(' ')[0];
            const mark = [...document.querySelectorAll('.progress-marks .mark')].find(m => m.textContent === stage);
            return `${{stage}} ${{document.querySelector('.progress').getAttribute('aria-valuenow')}} ${{parseFloat(mark?.style.left ?? 'NaN')}}`;
        }}", updates)).JsonValueAsync<string>();
        Assert.True(reading != "ended", "the fit reached the full stage with six more mesh updates before the job ended");
        output.WriteLine($"progress when the fit had moved on (stage, whole job %, stage mark %): {reading}");
        var parts = reading.Split(' ');
        var (percent, mark) = (double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), double.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(mark, 10, 99); // full and transfer start after the pose and shape stages
        Assert.InRange(percent, mark - 0.5, 100);
        var later = await page.Locator("#mesh-canvas").ScreenshotAsync();
        Assert.True(BrowserSession.NonBackgroundShare(first) > 0.05, "the canvas must show the mesh");
        Assert.NotEqual(Convert.ToBase64String(first), Convert.ToBase64String(later));
        await AssertAccessibleAsync(page, "the live view");
        await page.ScreenshotAsync(new() { Path = Shot("live-view.png") });

        var final = await page.WaitForFunctionAsync($"() => {BrowserSession.Finished} && document.querySelector('.live-view').dataset.status");
        Assert.Equal("Completed", await final.JsonValueAsync<string>());
        output.WriteLine($"job completed {(await page.EvaluateAsync<double>("() => performance.now()") - started) / 1000:F1} s after the job page opened");
        // The whole job's bar as it moved (the first and last step of each stage, and every jump of five points).
        var timeline = await JobTimeline.LoadAsync(_session.Services.GetRequiredService<JobStore>(), jobId, CancellationToken.None);
        var record = (await _session.Services.GetRequiredService<JobStore>().GetAsync(jobId))!;
        var took = (record.FinishedAt!.Value - record.StartedAt!.Value).TotalSeconds; // the bar's truth: time passed
        output.WriteLine($"the job ran {took:F1} s; the bar against the share of that time passed:");
        var before = 0.0;
        foreach (var (step, i) in timeline!.Steps.Select((p, i) => (p, i)))
        {
            var edge = i == 0 || step.Stage != timeline.Steps[i - 1].Stage || i == timeline.Steps.Length - 1 || step.Stage != timeline.Steps[Math.Min(i + 1, timeline.Steps.Length - 1)].Stage;
            if (edge || step.Fraction - before > 0.05)
            {
                output.WriteLine($"  bar: {step.Stage} {step.Iteration}/{step.TotalIterations} at {step.ElapsedSeconds:F1} s: {step.Fraction:P0} (time passed {step.ElapsedSeconds / took:P0}), {step.RemainingSeconds:F1} s left");
            }

            before = step.Fraction;
        }

        Step("9. Results");
        // 9. Results grouped, named for the job and the prompt, explained, and all in one zip.
        await page.WaitForSelectorAsync("#downloads a.download");
        Assert.Equal(["Face", "Texture", "Image", "Data"], await page.Locator("#downloads .download-group").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.group)"));
        var glbLink = page.Locator("#downloads a[data-artifact='mesh.glb']");
        Assert.Equal("3D face (GLB)", (await glbLink.InnerTextAsync()).Trim());
        Assert.Equal($"faceclip-{jobId[..8]}-mesh.glb", await glbLink.GetAttributeAsync("download"));
        await glbLink.HoverAsync();
        var tooltip = page.Locator(".mud-tooltip", new() { HasTextString = "morph targets" });
        await tooltip.WaitForAsync();
        var names = await page.Locator("a.download").EvaluateAllAsync<string[]>("els => els.map(e => e.getAttribute('download'))");
        Assert.Equal(names.Length, names.Distinct().Count());
        Assert.All(names, n => Assert.StartsWith($"faceclip-{jobId[..8]}-", n));
        Assert.Contains($"faceclip-{jobId[..8]}-look-surprised-mesh.glb", names);
        var zip = await page.APIRequest.GetAsync(b + await page.Locator("#download-all").GetAttributeAsync("href"), BrowserSession.Patient);
        Assert.True(zip.Ok);
        using (var archive = new ZipArchive(new MemoryStream(await zip.BodyAsync())))
        {
            var entries = archive.Entries.Select(e => e.FullName).ToList();
            Assert.Contains($"faceclip-{jobId[..8]}/mesh.glb", entries);
            Assert.Contains($"faceclip-{jobId[..8]}/look-surprised/mesh.glb", entries);
            Assert.Contains($"faceclip-{jobId[..8]}/params.json", entries);
        }

        // The GLB parses: one textured mesh with the 53 expression blendshapes as morph targets; the prompt's animates.
        var glb = Path.Combine(_session.Data, "download.glb");
        await File.WriteAllBytesAsync(glb, await (await page.APIRequest.GetAsync(b + await glbLink.GetAttributeAsync("href"), BrowserSession.Patient)).BodyAsync());
        var model = SharpGLTF.Schema2.ModelRoot.Load(glb);
        var primitive = model.LogicalMeshes.Single().Primitives.Single();
        Assert.Equal(53, primitive.MorphTargetsCount);
        Assert.True(primitive.GetVertexAccessor("POSITION").Count > 10_000);
        Assert.NotEmpty(model.LogicalImages);
        var card = page.Locator(".prompt-result");
        Assert.Contains("look surprised", await card.InnerTextAsync());
        var promptGlb = Path.Combine(_session.Data, "prompt.glb");
        await File.WriteAllBytesAsync(promptGlb, await (await page.APIRequest.GetAsync(b + await card.Locator("a[data-artifact='look-surprised/mesh.glb']").GetAttributeAsync("href"), BrowserSession.Patient)).BodyAsync());
        Assert.Single(SharpGLTF.Schema2.ModelRoot.Load(promptGlb).LogicalAnimations);

        Step("The viewer shows");
        // The viewer shows the fit textured, then the prompt's face, then shaded: always at the same framing.
        await page.WaitForSelectorAsync(".live-view[data-viewer-ready=true][data-shown=fit][data-mode=textured]");
        var framing = await page.Locator(".live-view").GetAttributeAsync("data-camera");
        var fitPixels = await page.Locator("#mesh-canvas").ScreenshotAsync();
        Assert.True(BrowserSession.NonBackgroundShare(fitPixels) > 0.05, "the textured fit shows");
        await page.Locator("#view-choice button[data-view=look-surprised]").ClickAsync();
        await page.WaitForSelectorAsync(".live-view[data-shown=look-surprised][data-mode=textured]");
        Assert.Equal(framing, await page.Locator(".live-view").GetAttributeAsync("data-camera"));
        await page.Locator("#mode-choice button[data-mode=shaded]").ClickAsync();
        await page.WaitForSelectorAsync(".live-view[data-shown=look-surprised][data-mode=shaded]");
        Assert.Equal(framing, await page.Locator(".live-view").GetAttributeAsync("data-camera"));
        var promptPixels = await page.Locator("#mesh-canvas").ScreenshotAsync();
        Assert.NotEqual(Convert.ToBase64String(fitPixels), Convert.ToBase64String(promptPixels));
        Assert.Contains("look-surprised/render.png", await page.Locator("img.final-render").GetAttributeAsync("src"));
        await page.Locator("#view-choice button[data-view=fit]").ClickAsync();
        await page.Locator("#mode-choice button[data-mode=textured]").ClickAsync();
        await page.WaitForSelectorAsync(".live-view[data-shown=fit][data-mode=textured]");

        Step("10. The loss chart");
        // 10. The loss chart: two labelled axes, a log scale, the stages marked, values on hover.
        var steps = int.Parse((await page.Locator(".live-view").GetAttributeAsync("data-chart-points"))!);
        Assert.True(steps > 100, $"the chart holds every step of the job ({steps})");
        Assert.Equal("step (all stages)|loss (log)", await page.Locator(".live-view").GetAttributeAsync("data-chart-axes"));
        Assert.Equal("pose,shape,full,transfer", await page.Locator(".live-view").GetAttributeAsync("data-stage-lines"));
        var plot = (await page.Locator(".losses .u-over").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(plot.X + (plot.Width * 0.3f), plot.Y + (plot.Height / 2));
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.losses .u-legend .u-value')].some(v => /\\d/.test(v.textContent))");
        await AssertAccessibleAsync(page, "the results");
        await page.Mouse.MoveAsync(0, 0);
        await page.ScreenshotAsync(new() { Path = Shot("results.png"), FullPage = true });

        Step("2. Reopened");
        // 2. Reopened in the same run, then after a restart: the final mesh, the renders and the whole loss history.
        foreach (var when in new[] { "reload", "restart" })
        {
            if (when == "restart")
            {
                // The page leaves first: the restarted app listens on another port, so an open page could not reconnect.
                await page.GotoAsync("about:blank");
                _session.Restart();
                b = _session.BaseUrl;
            }

            await _session.GotoAsync(page, $"/jobs/{jobId}");
            await page.WaitForSelectorAsync(".live-view[data-viewer-ready=true][data-shown=fit][data-mode=textured]");
            Assert.Equal(steps.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.Locator(".live-view").GetAttributeAsync("data-replayed"));
            await page.WaitForFunctionAsync("n => +document.querySelector('.live-view').dataset.chartPoints === n", steps);
            Assert.Equal("done", (await page.Locator("#stage").InnerTextAsync()).Trim());
            Assert.Equal("100", await page.Locator(".progress").GetAttributeAsync("aria-valuenow"));
            await page.WaitForFunctionAsync("() => document.querySelector('img.final-render')?.naturalWidth > 0");
            Assert.True(BrowserSession.NonBackgroundShare(await page.Locator("#mesh-canvas").ScreenshotAsync()) > 0.05, $"the fit shows after a {when}");
            Assert.Equal(framing, await page.Locator(".live-view").GetAttributeAsync("data-camera"));
        }

        Step("11. The jobs list");
        // 11. The jobs list: thumbnail, status, duration, times in the browser's zone, paging.
        var store = _session.Services.GetRequiredService<JobStore>();
        var browserOwner = (await store.GetAsync(jobId))!.Owner; // this browser's owner identity (from its cookie)
        for (var i = 0; i < 11; i++)
        {
            await using var photo = File.OpenRead(SharedAssets.SamplePhoto(2));
            var extra = await store.CreateAsync(browserOwner, "input.jpg", photo, new JobRequest(), CancellationToken.None);
            await store.MarkFinishedAsync(extra.Id, JobStatus.Cancelled, "Cancelled by the user.", []);
        }

        await _session.GotoAsync(page, "/jobs");
        await page.WaitForSelectorAsync("#jobs tbody tr a.job-open"); // the first page's rows have loaded
        var row = page.Locator("#jobs tr", new() { Has = page.Locator($"a[href='/jobs/{jobId}']") });
        var pages = 0;
        if (await row.CountAsync() == 0)
        {
            // Newest first: the eleven jobs made after it push the finished job to the second page. The pager is
            // worked with the keyboard, as a person who does not use a mouse would.
            pages = 1;
            var next = page.Locator("button[aria-label='Next page']");
            await next.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await row.WaitForAsync();
        }

        Assert.Equal(10, await page.Locator("#jobs tbody tr").CountAsync() + (pages == 1 ? 8 : 0));
        await page.WaitForFunctionAsync("id => document.querySelector(`#jobs a[href='/jobs/${id}'] img.job-thumb`)?.naturalWidth > 0", jobId);
        Assert.Equal("Completed", (await row.Locator(".job-status").InnerTextAsync()).Trim());
        Assert.Matches(@"^\d+(:\d\d)?( s)?$", (await row.Locator(".job-duration").InnerTextAsync()).Trim());
        var created = (await store.GetAsync(jobId))!.CreatedAt;
        var local = TimeZoneInfo.ConvertTime(created, TimeZoneInfo.FindSystemTimeZoneById(Zone));
        var shown = await row.Locator("local-time").GetAttributeAsync("data-local");
        Assert.Contains(local.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), shown);
        await AssertAccessibleAsync(page, "the jobs list");
        await page.ScreenshotAsync(new() { Path = Shot("jobs.png") });

        Step("11. An unknown address");
        // 11. An unknown address shows a page with the way back, not raw JSON; so does an unknown job.
        await page.GotoAsync(b + "/no/such/page");
        await page.WaitForURLAsync(b + "/not-found");
        await page.WaitForSelectorAsync("#not-found");
        Assert.Contains("Nothing here", await page.Locator("#not-found").InnerTextAsync());
        Assert.Equal("/", await page.Locator("#not-found a").First.GetAttributeAsync("href"));
        await AssertAccessibleAsync(page, "the not-found page");
        await _session.GotoAsync(page, $"/jobs/{JobIds.New()}");
        await page.WaitForSelectorAsync("#not-found");
        Assert.Contains("No such job", await page.Locator("#not-found").InnerTextAsync());
        var api = await page.APIRequest.GetAsync(b + "/api/jobs/nosuchjob00000000000000000");
        Assert.Equal(404, api.Status);
        Assert.Contains("application/problem+json", api.Headers["content-type"]);

        // The app's own scripts, styles, images and connections all satisfy its content security policy.
        Assert.Empty(await BrowserSession.PolicyViolationsAsync(page));
        Assert.Contains("script-src 'self' 'nonce-", (await page.APIRequest.GetAsync(b + "/", BrowserSession.Patient)).Headers["content-security-policy"]);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AJobIsSeenOnlyFromTheBrowserThatStartedItAndItsDeleteButtonRemovesIt()
    {
        // Each page below is its own browser context: its own cookies, so its own owner.
        var errors = new List<string>();
        var owner = await _session.NewPageAsync(errors);
        var stranger = await _session.NewPageAsync(errors);
        var b = _session.BaseUrl;

        await _session.GotoAsync(owner, "/");
        Assert.Contains("deleted 72 hours after", await owner.Locator("#retention").InnerTextAsync());
        var submitted = await owner.APIRequest.PostAsync(b + "/api/jobs", new APIRequestContextOptions
        {
            Timeout = TestWaits.HangCapMilliseconds,
            Multipart = owner.Context.APIRequest.CreateFormData()
                .Append("image", new FilePayload { Name = "sample1.jpg", MimeType = "image/jpeg", Buffer = await File.ReadAllBytesAsync(SharedAssets.SamplePhoto(1)) })
                .Append("iterations", "2000"),
        });
        Assert.Equal(202, submitted.Status);
        var id = (await submitted.JsonAsync())!.Value.GetProperty("id").GetString()!;

        await _session.GotoAsync(owner, $"/jobs/{id}");
        await owner.WaitForSelectorAsync("#delete");
        await _session.GotoAsync(owner, "/jobs");
        await owner.WaitForSelectorAsync($"#jobs a[href='/jobs/{id}']");

        await _session.GotoAsync(stranger, $"/jobs/{id}");
        await stranger.GetByText("No such job").First.WaitForAsync();
        Assert.Equal(0, await stranger.Locator(".live-view").CountAsync());
        Assert.Equal(404, (await stranger.APIRequest.GetAsync($"{b}/api/jobs/{id}/input", BrowserSession.Patient)).Status);
        Assert.Equal(404, (await stranger.APIRequest.GetAsync($"{b}/api/jobs/{id}/face", BrowserSession.Patient)).Status);
        Assert.Equal(404, (await stranger.APIRequest.GetAsync($"{b}/api/jobs/{id}", BrowserSession.Patient)).Status);
        await _session.GotoAsync(stranger, "/jobs");
        await stranger.GetByText("No jobs yet").WaitForAsync();
        Assert.Equal(0, await stranger.Locator($"#jobs a[href='/jobs/{id}']").CountAsync());

        // The owner deletes the job from its page, running or not: it is gone, photo and all.
        await _session.GotoAsync(owner, $"/jobs/{id}");
        await owner.WaitForSelectorAsync(".live-view");
        await owner.Locator("#delete").ClickAsync();
        await owner.WaitForURLAsync("**/jobs");
        await owner.GetByText("No jobs yet").WaitForAsync();
        Assert.Equal(404, (await owner.APIRequest.GetAsync($"{b}/api/jobs/{id}", BrowserSession.Patient)).Status);
        Assert.Equal(404, (await owner.APIRequest.GetAsync($"{b}/api/jobs/{id}/input", BrowserSession.Patient)).Status);
        Assert.False(Directory.Exists(Path.Combine(_session.Data, "jobs", id)));
        foreach (var p in new[] { owner, stranger })
        {
            Assert.Empty(await BrowserSession.PolicyViolationsAsync(p));
        }

        Assert.Empty(errors);
    }

    [Fact]
    public async Task CancelShowsAtOnceAndEndsAsACancelNotAnError()
    {
        var errors = new List<string>();
        var page = await _session.NewPageAsync(errors);
        await _session.GotoAsync(page, "/");
        await page.WaitForSelectorAsync("#studio[data-interactive=true]", new() { State = WaitForSelectorState.Attached });
        await ChoosePhotoAsync(page, SharedAssets.SamplePhoto(2));
        await page.WaitForSelectorAsync("#faces .face-box, #studio-error");
        await ChooseCriticAsync(page, "face recognition network");
        await page.GetByLabel("Iterations (full stage)").FillAsync("2000");
        await page.Locator("#start").ClickAsync();
        await page.WaitForURLAsync("**/jobs/*");

        Step("Once the full stage runs");
        // Once the full stage runs (the longest), cancel.
        await page.WaitForFunctionAsync($"() => /^full/.test(document.querySelector('#stage')?.textContent ?? '') || {BrowserSession.Finished}");
        Assert.Equal("Running", await page.Locator(".live-view").GetAttributeAsync("data-status"));
        // Every state the page shows from here on is recorded as it changes (the job may stop within a frame of the
        // click, so reading the page afterwards could miss the "Cancelling" it showed).
        await page.EvaluateAsync("""
            () => {
              const seen = window.__cancelStates = [];
              const read = () => {
                const state = [document.querySelector('#job-status')?.innerText.trim() ?? '',
                  document.querySelector('.live-view')?.dataset.cancelling ?? '', document.querySelector('#eta')?.innerText.trim() ?? ''].join('|');
                if (seen[seen.length - 1] !== state) seen.push(state);
              };
              read();
              new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
            }
            """);
        var clicked = await page.EvaluateAsync<double>("() => performance.now()");
        await page.Locator("#cancel").ClickAsync();
        var final = await page.WaitForFunctionAsync($"() => {BrowserSession.Finished} && document.querySelector('.live-view').dataset.status");
        // The page said so straight away (before the job had stopped), as a cancel rather than an error, without a time
        // left, and only then "Cancelled".
        // The live view's status and the status chip are updated by different renders: wait for the chip too.
        await page.WaitForFunctionAsync("() => document.querySelector('#job-status')?.innerText.trim() === 'Cancelled'");
        var states = await page.EvaluateAsync<string[]>("() => window.__cancelStates");
        output.WriteLine($"states after the click (status|cancelling|time left): {string.Join(" → ", states)}");
        var cancelling = Array.IndexOf(states, "Cancelling|true|");
        Assert.True(cancelling >= 0, $"the page never showed Cancelling without a time left: {string.Join(" → ", states)}");
        Assert.True(Array.FindIndex(states, x => x.StartsWith("Cancelled|", StringComparison.Ordinal)) > cancelling, "Cancelled came before Cancelling");
        output.WriteLine($"cancelled {(await page.EvaluateAsync<double>("() => performance.now()") - clicked) / 1000:F1} s after the click");
        Assert.Equal("Cancelled", await final.JsonValueAsync<string>());
        await page.WaitForSelectorAsync("#job-cancelled");
        Assert.Equal(0, await page.Locator("#job-error").CountAsync());
        Assert.Equal(0, await page.Locator("#cancel").CountAsync());
        Assert.Equal("", (await page.Locator("#eta").InnerTextAsync()).Trim());
        Assert.Equal("cancelled", (await page.Locator("#stage").InnerTextAsync()).Trim());
        await AssertAccessibleAsync(page, "a cancelled job");
        Assert.Empty(errors);
    }
}
