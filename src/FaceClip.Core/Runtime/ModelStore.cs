using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace FaceClip.Core.Runtime;

/// <summary>
/// Resolves model assets listed in the manifest: from <c>models/</c>, else a local mirror, else an installed npm
/// package; <see cref="FetchAsync"/> imports from the mirror or downloads from the asset's source. Every file is
/// checked against the manifest's SHA-256 and a file that fails is refused.
/// </summary>
public sealed class ModelStore
{
    private readonly ModelStoreOptions _options;
    private readonly HttpClient _http;
    private readonly VerificationCache _cache;

    public ModelStore(ModelManifest manifest, ModelStoreOptions resolvedOptions, HttpClient? http = null)
    {
        Manifest = manifest;
        _options = resolvedOptions;
        _http = http ?? SharedHttp.Value;
        _cache = new VerificationCache(Path.Combine(_options.Directory, ".cache", "verified.json"));
    }

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = TimeSpan.FromMinutes(30) });

    /// <summary>Opens the store of a product root (its <c>models/manifest.json</c>).</summary>
    public static ModelStore Open(string root, ModelStoreOptions? options = null, HttpClient? http = null)
    {
        var resolved = (options ?? new ModelStoreOptions()).ResolvedAgainst(root);
        return new ModelStore(ModelManifest.Load(Path.Combine(resolved.Directory, "manifest.json")), resolved, http);
    }

    public ModelManifest Manifest { get; }

    public string ModelsDirectory => _options.Directory;

    public string? MirrorDirectory => _options.Mirror;

    /// <summary>A writable folder under <c>models/</c> for derived files (imports, caches).</summary>
    public string CacheDirectory => Path.Combine(_options.Directory, ".cache");

    public IReadOnlyList<AssetStatus> GetStatuses() => Manifest.Assets.Select(a => GetStatus(a.Id)).ToList();

    /// <summary>Looks for the asset in each location in turn and checks its files.</summary>
    public AssetStatus GetStatus(string id)
    {
        var asset = Manifest[id];
        string? firstProblem = null;
        foreach (var (location, root) in Candidates(asset))
        {
            if (!asset.Files.All(f => File.Exists(Path.Combine(root, f.Path))))
            {
                continue;
            }

            var problem = Verify(asset, root);
            if (problem is null)
            {
                return new AssetStatus(asset, location, root, Verified: asset.Files.All(f => f.Sha256 is not null), null);
            }

            firstProblem ??= $"{problem} (in {root})";
        }

        return new AssetStatus(asset, AssetLocation.Missing, null, false, firstProblem);
    }

    /// <summary>Returns the asset or throws a message that names the command that installs it.</summary>
    public AssetStatus Require(string id)
    {
        var status = GetStatus(id);
        if (status.Found)
        {
            return status;
        }

        var asset = status.Asset;
        var why = status.Problem is null ? "is not installed" : $"failed its check: {status.Problem}";
        if (asset.Source.Build is not null)
        {
            throw new ModelAssetException(asset.Id, $"Model asset '{asset.Id}' ({asset.Title}) {why}. {HowToRestore(asset)}");
        }

        throw new ModelAssetException(asset.Id,
            $"Model asset '{asset.Id}' ({asset.Title}) {why}. Run `faceclip models fetch {asset.Id}` to install it " +
            $"into {_options.Directory}, or point {ModelStoreOptions.MirrorVariable} at a folder that holds " +
            $"'{asset.Directory}/'. Source: {DescribeSource(asset)}.");
    }

    /// <summary>Makes the asset available under <c>models/</c>: imports (copies) it from the mirror, or downloads it
    /// from its source. An asset already in <c>models/</c> or in an installed npm package is left as it is.</summary>
    public async Task<AssetStatus> FetchAsync(string id, IProgress<FetchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var status = GetStatus(id);
        if (status.Found && status.Location is AssetLocation.ModelsDirectory or AssetLocation.NpmPackage)
        {
            return status;
        }

        var asset = status.Asset;
        var target = Path.Combine(_options.Directory, asset.Directory);
        if (status is { Found: true, Location: AssetLocation.Mirror, Root: not null })
        {
            foreach (var file in asset.Files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var source = File.OpenRead(Path.Combine(status.Root, file.Path));
                await InstallAsync(asset, file, source, target, progress, cancellationToken);
            }
        }
        else if (asset.Source.Build is not null)
        {
            throw new ModelAssetException(asset.Id, $"Model asset '{asset.Id}' ({asset.Title}) is FaceClip's own, not downloaded. {HowToRestore(asset)}");
        }
        else if (!_options.AllowDownload)
        {
            throw new ModelAssetException(asset.Id, $"Model asset '{asset.Id}' is missing and downloads are turned off (Models:AllowDownload).");
        }
        else if (asset.Source.BaseUrl is not null || asset.Files.All(f => f.Url is not null))
        {
            foreach (var file in asset.Files)
            {
                var url = file.Url ?? CombineUrl(asset.Source.BaseUrl!, file.Path);
                await DownloadFileAsync(asset, file, url, target, progress, cancellationToken);
            }
        }
        else if (asset.Source.TarballUrl is not null)
        {
            await DownloadTarballAsync(asset, target, progress, cancellationToken);
        }
        else
        {
            throw new ModelAssetException(asset.Id, $"Model asset '{asset.Id}' has no download source; install it with: {DescribeSource(asset)}.");
        }

        var after = GetStatus(id);
        if (!after.Found || after.Location != AssetLocation.ModelsDirectory)
        {
            throw new ModelAssetException(asset.Id, $"Model asset '{asset.Id}' was fetched but is still not usable: {after.Problem ?? "files missing"}.");
        }

        return after;
    }

    private IEnumerable<(AssetLocation, string)> Candidates(ModelAsset asset)
    {
        yield return (AssetLocation.ModelsDirectory, Path.Combine(_options.Directory, asset.Directory));
        if (_options.Mirror is not null)
        {
            yield return (AssetLocation.Mirror, Path.Combine(_options.Mirror, asset.Directory));
        }

        if (asset.Source.NpmPackage is not null)
        {
            var package = Path.Combine(_options.NodeModules, asset.Source.NpmPackage);
            yield return (AssetLocation.NpmPackage, asset.Source.NpmSubdirectory is null ? package : Path.Combine(package, asset.Source.NpmSubdirectory));
        }
    }

    private string? Verify(ModelAsset asset, string root)
    {
        foreach (var file in asset.Files.Where(f => f.Sha256 is not null))
        {
            var path = Path.Combine(root, file.Path);
            var actual = _cache.GetOrCompute(path, file.Check);
            if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                return $"checksum mismatch for '{file.Path}': expected {file.Sha256}, found {actual}";
            }
        }

        return null;
    }

    private async Task DownloadFileAsync(ModelAsset asset, ModelAssetFile file, string url, string target,
        IProgress<FetchProgress>? progress, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ModelAssetException(asset.Id, $"Downloading '{url}' for asset '{asset.Id}' failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await InstallAsync(asset, file, body, target, progress, cancellationToken, response.Content.Headers.ContentLength);
    }

    private async Task DownloadTarballAsync(ModelAsset asset, string target, IProgress<FetchProgress>? progress, CancellationToken cancellationToken)
    {
        var url = asset.Source.TarballUrl!;
        using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ModelAssetException(asset.Id, $"Downloading '{url}' for asset '{asset.Id}' failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
        }

        var prefix = "package/" + (asset.Source.NpmSubdirectory is null ? string.Empty : asset.Source.NpmSubdirectory.TrimEnd('/') + "/");
        var wanted = asset.Files.ToDictionary(f => prefix + f.Path, StringComparer.Ordinal);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var gzip = new GZipStream(body, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.DataStream is not null && wanted.Remove(entry.Name, out var file))
            {
                await InstallAsync(asset, file, entry.DataStream, target, progress, cancellationToken, entry.Length);
            }
        }

        if (wanted.Count > 0)
        {
            throw new ModelAssetException(asset.Id, $"The package at '{url}' lacks {wanted.Count} file(s) of asset '{asset.Id}', e.g. '{wanted.Keys.First()}'.");
        }
    }

    /// <summary>Writes one file to a temporary name, checks it, then moves it into place. A file that fails its check
    /// is deleted and nothing already installed is touched.</summary>
    private async Task InstallAsync(ModelAsset asset, ModelAssetFile file, Stream source, string target,
        IProgress<FetchProgress>? progress, CancellationToken cancellationToken, long? length = null)
    {
        var destination = Path.Combine(target, file.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var temporary = destination + $".{Guid.NewGuid():N}.part";
        try
        {
            await using (var output = File.Create(temporary))
            {
                var buffer = new byte[1 << 16];
                long done = 0;
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    done += read;
                    progress?.Report(new FetchProgress(asset.Id, file.Path, done, length ?? file.Size));
                }
            }

            if (file.Sha256 is not null)
            {
                var actual = FileVerifier.ComputeSha256(temporary, file.Check);
                if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ModelAssetException(asset.Id,
                        $"Refused '{file.Path}' of asset '{asset.Id}': checksum mismatch (expected {file.Sha256}, got {actual}). Nothing was installed.");
                }
            }

            File.Move(temporary, destination, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static string CombineUrl(string baseUrl, string path) =>
        baseUrl.TrimEnd('/') + "/" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    /// <summary>What brings back an asset of FaceClip's own (<see cref="ModelAssetSource.Build"/>).</summary>
    public static string HowToRestore(ModelAsset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return $"It ships in models/{asset.Directory}/ of the checkout: restore it from there (git checkout -- models/{asset.Directory}), " +
               $"or make it again with `{asset.Source.Build}`.";
    }

    private static string DescribeSource(ModelAsset asset)
    {
        var s = asset.Source;
        if (s.Build is not null)
        {
            return $"shipped in models/{asset.Directory}/ of the checkout, made by `{s.Build}`";
        }

        if (s.NpmPackage is not null)
        {
            return $"npm package {s.NpmPackage}@{s.NpmVersion} (`npm ci` in the FaceClip folder)";
        }

        return s.BaseUrl ?? asset.Files.FirstOrDefault(f => f.Url is not null)?.Url ?? asset.Homepage;
    }

    /// <summary>Remembers the hash of each file by path, size and modification time, so a file is hashed once.</summary>
    private sealed class VerificationCache(string path)
    {
        private readonly Lock _gate = new();
        private Dictionary<string, Entry>? _entries;

        private sealed record Entry(long Size, long Ticks, string Check, string Sha256);

        public string GetOrCompute(string file, FileCheck check)
        {
            var info = new FileInfo(file);
            var key = info.FullName;
            lock (_gate)
            {
                _entries ??= Load();
                if (_entries.TryGetValue(key, out var e) && e.Size == info.Length && e.Ticks == info.LastWriteTimeUtc.Ticks && e.Check == check.ToString())
                {
                    return e.Sha256;
                }
            }

            var sha = FileVerifier.ComputeSha256(file, check);
            lock (_gate)
            {
                _entries![key] = new Entry(info.Length, info.LastWriteTimeUtc.Ticks, check.ToString(), sha);
                Save();
            }

            return sha;
        }

        private Dictionary<string, Entry> Load()
        {
            try
            {
                return File.Exists(path)
                    ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? []
                    : [];
            }
            catch (JsonException)
            {
                return [];
            }
        }

        private void Save()
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var temporary = path + $".{Environment.ProcessId}.tmp";
                File.WriteAllText(temporary, JsonSerializer.Serialize(_entries));
                File.Move(temporary, path, overwrite: true);
            }
            catch (IOException)
            {
                // The cache only saves time; a read-only models folder still verifies, just more slowly.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
