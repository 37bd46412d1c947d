using System.Net;

namespace FaceClip.Web.Tests;

/// <summary>An address that leads nowhere: a person's gets the app's own page with the way back; a machine's
/// (REST, hub) keeps its ProblemDetails.</summary>
public sealed class NotFoundTests(FaceClipWebFactory factory) : IClassFixture<FaceClipWebFactory>
{
    [Fact]
    public async Task AnUnknownPageIsAFriendlyPageWithLinksBackNotJson()
    {
        var response = await factory.CreateClient().GetAsync("/no/such/page"); // redirected to the not-found page
        Assert.Equal("/not-found", response.RequestMessage?.RequestUri?.AbsolutePath);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Nothing here", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/jobs\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPageNamesAnIconThatIsServed()
    {
        // Without one the browser asks for /favicon.ico on every page and logs the 404 as an error.
        var client = factory.CreateClient();
        var html = await client.GetStringAsync("/");
        Assert.Contains("<link rel=\"icon\" type=\"image/svg+xml\" href=\"favicon.svg\"", html, StringComparison.Ordinal);
        var icon = await client.GetAsync("/favicon.svg");
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnUnknownApiAddressStaysProblemDetails()
    {
        var response = await factory.CreateClient().GetAsync("/api/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheTopBarsItemsAndTheLogoAreLinks()
    {
        var html = await factory.CreateClient().GetStringAsync("/jobs");
        Assert.Matches("<a[^>]*href=\"/\"[^>]*class=\"brand|<a[^>]*class=\"brand[^>]*href=\"/\"", html);
        foreach (var id in new[] { "nav-studio", "nav-jobs", "nav-models" })
        {
            Assert.Matches($"<a[^>]*id=\"{id}\"[^>]*href=|<a[^>]*href=[^>]*id=\"{id}\"", html);
        }
    }
}
