namespace FaceClip.Core.Runtime;

/// <summary>An asset's status as plain values, for JSON reports (the CLI's <c>models status --json</c>, the web API).</summary>
public sealed record AssetSummary(
    string Id,
    string Title,
    bool Required,
    bool Found,
    string Location,
    string? Path,
    bool Verified,
    string? Problem,
    string License,
    string Purpose)
{
    public static AssetSummary Of(AssetStatus s) => new(
        s.Asset.Id, s.Asset.Title, s.Asset.Required, s.Found, s.Location.ToString(), s.Root, s.Verified, s.Problem, s.Asset.License, s.Asset.Purpose);
}
