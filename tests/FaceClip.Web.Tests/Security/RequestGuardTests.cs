using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FaceClip.Web.Tests.Security;

/// <summary>The shipped app's guards on every request: host filtering from a shipped AllowedHosts that is not *,
/// security headers with a content security policy whose nonce the page's one inline script carries, and no server
/// paths in what the API tells a visitor.</summary>
public sealed partial class RequestGuardTests(FaceClipWebFactory factory) : IClassFixture<FaceClipWebFactory>
{
    [Fact]
    public void TheShippedConfigurationNamesItsHosts()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(FaceClipWebFactory.RepositoryRoot, "appsettings.json")));
        var hosts = settings.RootElement.GetProperty("AllowedHosts").GetString()!;
        Assert.DoesNotContain("*", hosts);
        Assert.Contains("localhost", hosts.Split(';'));
    }

    [Fact]
    public async Task ARequestForAnotherHostIsRefused()
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/jobs");
        request.Headers.Host = "rebound.attacker.example";

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/jobs")).StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/jobs")]
    [InlineData("/css/app.css")]
    [InlineData("/api/jobs/aaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task EveryResponseCarriesTheSecurityHeaders(string path)
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
        Assert.Contains("camera=()", Header(response, "Permissions-Policy"));
        var policy = Header(response, "Content-Security-Policy");
        Assert.Contains("default-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("object-src 'none'", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", policy);
    }

    [Fact]
    public async Task ThePagesInlineImportMapCarriesThePolicysNonceAndEachResponseANewOne()
    {
        using var client = factory.CreateClient();

        // Several pages: every nonce, whatever its random characters, is written into the page as it is in the header.
        var nonces = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var page = await client.GetAsync("/");
            var nonce = Nonce().Match(Header(page, "Content-Security-Policy")).Groups[1].Value;
            Assert.Matches("^[0-9A-F]{32}$", nonce);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\">", html);
            Assert.Single(Regex.Matches(html, "<script(?![^>]*\\bsrc=)[^>]*>"));
            nonces.Add(nonce);
        }

        Assert.Equal(nonces.Count, nonces.Distinct().Count());
    }

    [Fact]
    public async Task TheModelsApiNamesNoServerPath()
    {
        using var client = factory.CreateClient();

        var json = await client.GetStringAsync("/api/models");

        Assert.DoesNotContain(FaceClipWebFactory.RepositoryRoot, json);
        Assert.DoesNotContain(Path.GetFullPath(TestSupport.SharedAssets.Models), json);
        using var doc = JsonDocument.Parse(json);
        foreach (var asset in doc.RootElement.GetProperty("assets").EnumerateArray())
        {
            Assert.Equal(JsonValueKind.Null, asset.GetProperty("path").ValueKind);
        }

        Assert.DoesNotMatch("\"/(?:work|home|root|tmp|usr|var|app)/", json);
    }

    [Fact]
    public void ServerPathsInATextBecomeTheirLastPart()
    {
        Assert.Equal("file model.obj is missing in models (see https://github.com/ICT-VGL/ICT-FaceKit)",
            FaceClip.Web.Security.ServerPaths.Scrub("file /srv/faceclip/models/ict/model.obj is missing in /srv/faceclip/models (see https://github.com/ICT-VGL/ICT-FaceKit)"));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(",", content) : "";

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex Nonce();
}
